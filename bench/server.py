"""`python -m bench.server`: exactly what `kestrel serve --local` runs (bot.cli.main), under a name
of its own: on a machine shared with other developers, their test clean-ups stop processes named
`kestrel serve` (seen twice in one afternoon, mid-run, exit code 0), not this one."""

import sys

from bot.cli import main

if __name__ == "__main__":
    sys.exit(main(["serve", "--local"]))
