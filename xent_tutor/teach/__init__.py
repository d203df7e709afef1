"""Teachers' tools: their own exercises checked and written, worksheets, a class's answers graded."""
