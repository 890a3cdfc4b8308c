"""``python -m neuronlab`` is the ``neuronlab`` command."""

import sys

from neuronlab.apps.cli import main

sys.exit(main())
