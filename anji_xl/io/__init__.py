"""Reading input into the engine's model and panel.

:mod:`anji_xl.io.parse` turns grids of cell values into a model and a panel (pure: no
spreadsheet library, so the engine and the worksheet functions use it as they are);
:mod:`anji_xl.io.read_book` reads those grids out of .xlsx / .xlsm files with python-calamine.
This package imports neither here, so importing one never loads the other.
"""
