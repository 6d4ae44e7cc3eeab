"""Direct NumPy transcriptions of the authors' published MATLAB code, line by line.

Each module transcribes one metric's reference code (``GMSD.m``, ``FSIM.m``, ...), keeping
its variable names and its order of operations, so that a test can hold imgsim's fast
implementation to it. :mod:`authors_code.matlab` has the MATLAB built-ins they call.
"""
