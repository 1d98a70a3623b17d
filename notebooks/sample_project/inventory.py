"""Reading inventory rows and computing their value."""

import csv
from dataclasses import dataclass


@dataclass
class Item:
    name: str
    quantity: int
    unit_price: float


def load_items(path: str) -> list[Item]:
    with open(path, newline="") as handle:
        return [
            Item(row["name"], int(row["quantity"]), float(row["unit_price"]))
            for row in csv.DictReader(handle)
        ]


def total_value(items: list[Item]) -> float:
    return sum(item.quantity * item.unit_price for item in items)
