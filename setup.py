"""Build script for the optional compiled kernels (``newsclean._speedups``); everything else is in
pyproject.toml. A machine without a C compiler installs the same package without them: every kernel
has a pure-Python definition that gives the same results, only slower."""

from setuptools import Extension, setup

setup(ext_modules=[Extension("newsclean._speedups", ["src/newsclean/_speedups.c"], optional=True)])
