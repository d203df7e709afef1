"""The lesson: a result laid out as sections, rendered as Rich, Markdown, JSON or a value, in every language."""
