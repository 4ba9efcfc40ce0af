from pathlib import Path

# The project's root: where manage.py is, and the working directory of every process we start.
ROOT = Path(__file__).resolve().parent.parent.parent
