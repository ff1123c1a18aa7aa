import sys

from cxkpi.cli import main

sys.exit(main())
