"""Views: plots, tables, each claim's plot and the verdict table (`claims`), and
the notebook widgets that show what the studies measured. Nothing below this
layer imports it."""
