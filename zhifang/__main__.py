import sys

from zhifang.cli import main

sys.exit(main())
