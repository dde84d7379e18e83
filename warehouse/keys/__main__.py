"""``python -m warehouse.keys``: see :mod:`warehouse.keys.cli`."""

from warehouse.keys.cli import main

raise SystemExit(main())
