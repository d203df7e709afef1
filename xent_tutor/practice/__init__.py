"""Practice: exercises, the quiz, the answer calculator and the progress file."""
