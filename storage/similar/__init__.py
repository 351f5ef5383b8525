"""Similar complaints: text similarity, the lookup while filing and on the card, followers,
and hot spots across villages."""
