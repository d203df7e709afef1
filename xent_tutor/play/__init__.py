"""`xent play`: move the logits, watch every stage, take gradient steps (Textual only in app.py)."""
