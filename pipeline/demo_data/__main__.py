"""``python -m pipeline.demo_data ...``: generate the demo data set."""

import logging

from pipeline.demo_data.cli import main

logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
raise SystemExit(main())
