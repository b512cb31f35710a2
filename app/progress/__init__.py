"""Progress over time: measures per conversation, trends, charts (SVG) and the HTML pages."""
