"""A small command-line tool that totals an inventory CSV file."""

import sys

from inventory import load_items, total_value


def main(path: str) -> int:
    items = load_items(path)
    if not items:
        print(f"{path} has no items")
        return 1
    print(f"{len(items)} items worth {total_value(items):.2f} in total")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "stock.csv"))
