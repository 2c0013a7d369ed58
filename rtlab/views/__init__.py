"""Views: plots, tables and the notebook widgets that show what the studies
measured. Nothing below this layer imports it."""
