"""setup.py stays for Babel's message extractors (see pyproject.toml for the rest)."""
from setuptools import setup

setup(
    message_extractors={
        "ckanext": [
            ("**.py", "python", None),
            ("**.js", "javascript", None),
            ("**/templates/**.html", "ckan", None),
            ("**/templates/**.txt", "ckan", None),
        ],
    },
)
