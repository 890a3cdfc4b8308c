"""Views: pictures of networks and what they compute (matplotlib figures and GIFs, SVG diagrams)."""
