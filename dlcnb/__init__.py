__version__ = "0.1.0"
from ._api import __getattr__, __dir__, __all__
