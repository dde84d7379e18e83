"""``python -m warehouse.privacy``: see :mod:`warehouse.privacy.cli`."""

from warehouse.privacy.cli import main

raise SystemExit(main())
