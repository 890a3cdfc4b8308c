"""``python -m neuronlab`` is the ``neuronlab`` command."""

import sys

from .cli import main

sys.exit(main())
