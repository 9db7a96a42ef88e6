"""``python -m tradeshock``: the same command line as the ``tradeshock`` script."""

from tradeshock.cli import main

if __name__ == "__main__":
    main()
