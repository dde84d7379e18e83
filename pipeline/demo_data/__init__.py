"""Generate the Miracle Corporation demo data set: every source in its own format, plus the truth."""

from pipeline.demo_data.cli import main
from pipeline.demo_data.generate import Options, generate
from pipeline.demo_data.market import Drop

__all__ = ["Drop", "Options", "generate", "main"]
