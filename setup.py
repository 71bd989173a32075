"""Ship the theme, hand-written pages, base MkDocs config and pose library inside the package.

Why a build step: they live at the top of the repository (theme/, docs/, mkdocs.yml,
content/poses/), where people edit them; an installed stretchguide finds them in
stretchguide/data/ (see stretchguide/resources.py). An editable install reads the checkout.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

#: Where each file or folder goes inside stretchguide/data/, from where it is in the repository.
DATA = {"theme": "theme", "docs": "docs", "mkdocs.yml": "mkdocs.yml", "poses": "content/poses"}


class BuildWithData(build_py):
    """Copy the data folders into the built package, beside its modules."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        target = Path(self.build_lib) / "stretchguide" / "data"
        for name, source in DATA.items():
            src, dest = Path(source), target / name
            if src.is_dir():
                shutil.copytree(src, dest, dirs_exist_ok=True,
                                ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
            else:
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(src, dest)


setup(cmdclass={"build_py": BuildWithData})
