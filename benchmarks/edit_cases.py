"""The fixed edit requests of bench_edits.py: a file, a request, and a check written in Python.

Each check runs in a fresh interpreter in the folder of the edited file and
exits non-zero (an AssertionError or any other exception) unless the file
parses and does what the request asked, with the rest of the file intact.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class EditCase:
    name: str
    path: str
    original: str
    request: str
    check: str


CASES = [
    EditCase(
        "add_function",
        "calc.py",
        "def add(a, b):\n    return a + b\n\n\ndef sub(a, b):\n    return a - b\n",
        "In calc.py, add a function mul(a, b) that returns a * b.",
        "import calc\nassert calc.mul(3, 4) == 12\nassert calc.add(1, 2) == 3\n"
        "assert calc.sub(5, 3) == 2\n",
    ),
    EditCase(
        "change_string",
        "greet.py",
        'def greet(name):\n    return f"hello {name}"\n',
        "Make greet in greet.py return 'Hello, NAME!' with a capital H and an exclamation mark.",
        "import greet\nassert greet.greet('Ann') == 'Hello, Ann!'\n",
    ),
    EditCase(
        "add_method",
        "shapes.py",
        "class Rect:\n    def __init__(self, width, height):\n        self.width = width\n"
        "        self.height = height\n\n    def area(self):\n"
        "        return self.width * self.height\n",
        "Add a method perimeter to the Rect class in shapes.py that returns 2 * (width + height).",
        "import shapes\nr = shapes.Rect(2, 3)\nassert r.perimeter() == 10\nassert r.area() == 6\n",
    ),
    EditCase(
        "json_flag",
        "config.json",
        '{\n  "debug": false,\n  "port": 8000,\n  "name": "app"\n}\n',
        "Set debug to true in config.json.",
        "import json\nc = json.load(open('config.json'))\n"
        "assert c == {'debug': True, 'port': 8000, 'name': 'app'}, c\n",
    ),
    EditCase(
        "json_add_key",
        "config.json",
        '{\n  "debug": false,\n  "port": 8000,\n  "name": "app"\n}\n',
        'Add a key "timeout" with the value 30 to config.json.',
        "import json\nc = json.load(open('config.json'))\n"
        "assert c == {'debug': False, 'port': 8000, 'name': 'app', 'timeout': 30}, c\n",
    ),
    EditCase(
        "toml_value",
        "settings.toml",
        '[server]\nhost = "127.0.0.1"\nport = 8000\n\n[log]\nlevel = "info"\n',
        "Change the server port in settings.toml to 9000.",
        "import tomllib\nc = tomllib.load(open('settings.toml', 'rb'))\n"
        "assert c['server'] == {'host': '127.0.0.1', 'port': 9000}, c\n"
        "assert c['log'] == {'level': 'info'}, c\n",
    ),
    EditCase(
        "fix_bug",
        "utils.py",
        "def is_even(n):\n    return n % 2 == 1\n\n\ndef is_odd(n):\n    return n % 2 == 1\n",
        "Fix is_even in utils.py: it returns the wrong result.",
        "import utils\nassert utils.is_even(2) and not utils.is_even(3)\n"
        "assert utils.is_odd(3) and not utils.is_odd(2)\n",
    ),
    EditCase(
        "add_reset",
        "counter.py",
        "class Counter:\n    def __init__(self):\n        self.count = 0\n\n"
        "    def increment(self):\n        self.count += 1\n",
        "Add a method reset to Counter in counter.py that sets count back to 0.",
        "import counter\nc = counter.Counter()\nc.increment()\nc.increment()\n"
        "assert c.count == 2\nc.reset()\nassert c.count == 0\n",
    ),
    EditCase(
        "empty_guard",
        "stats.py",
        "def mean(xs):\n    return sum(xs) / len(xs)\n",
        "Make mean in stats.py return 0 for an empty list instead of failing.",
        "import stats\nassert stats.mean([]) == 0\nassert stats.mean([1, 3]) == 2\n",
    ),
    EditCase(
        "change_constant",
        "constants.py",
        "MAX_RETRIES = 3\nTIMEOUT = 10\nNAME = 'svc'\n",
        "Change MAX_RETRIES in constants.py to 5.",
        "import constants as c\nassert (c.MAX_RETRIES, c.TIMEOUT, c.NAME) == (5, 10, 'svc')\n",
    ),
    EditCase(
        "add_import",
        "app.py",
        "import os\n\n\ndef main():\n    print(os.getcwd())\n",
        "Add `import sys` at the top of app.py.",
        "import sys, app\nassert app.sys is sys\nassert callable(app.main)\n",
    ),
    EditCase(
        "add_docstring",
        "strings.py",
        "def shout(text):\n    return text.upper()\n",
        "Add a docstring to shout in strings.py that says it upper-cases the text.",
        "import strings\nassert strings.shout.__doc__ and strings.shout.__doc__.strip()\n"
        "assert strings.shout('a') == 'A'\n",
    ),
    EditCase(
        "inverse_function",
        "temperature.py",
        "def c_to_f(c):\n    return c * 9 / 5 + 32\n",
        "Add a function f_to_c(f) to temperature.py that converts Fahrenheit to Celsius.",
        "import temperature as t\nassert abs(t.f_to_c(212) - 100) < 1e-9\n"
        "assert t.c_to_f(100) == 212\n",
    ),
    EditCase(
        "sum_method",
        "inventory.py",
        "class Inventory:\n    def __init__(self):\n        self.items = {}\n\n"
        "    def add(self, name, qty):\n        self.items[name] = self.items.get(name, 0) + qty\n",
        "Add a method total to Inventory in inventory.py that returns the sum of all quantities.",
        "import inventory\ni = inventory.Inventory()\ni.add('a', 2)\ni.add('b', 3)\ni.add('a', 1)\n"
        "assert i.total() == 6\n",
    ),
    EditCase(
        "extra_check",
        "validate.py",
        "def check_age(age):\n    if age < 0:\n        raise ValueError('negative age')\n"
        "    return True\n",
        "Make check_age in validate.py also raise ValueError when age is over 150.",
        "import validate as v\nassert v.check_age(30) is True\n"
        "for bad in (-1, 151):\n    try:\n        v.check_age(bad)\n    except ValueError:\n"
        "        pass\n    else:\n        raise AssertionError(bad)\n",
    ),
    EditCase(
        "json_list_item",
        "users.json",
        '[\n  {"name": "ann", "age": 30}\n]\n',
        "Add a user named bob aged 25 to the list in users.json.",
        "import json\nu = json.load(open('users.json'))\n"
        "assert u == [{'name': 'ann', 'age': 30}, {'name': 'bob', 'age': 25}], u\n",
    ),
    EditCase(
        "dataclass_field",
        "person.py",
        "from dataclasses import dataclass\n\n\n@dataclass\nclass Person:\n    name: str\n"
        "    age: int\n",
        "Add a field email: str with the default value '' to the Person dataclass in person.py.",
        "import person\np = person.Person('a', 1)\nassert p.email == ''\n"
        "assert person.Person('b', 2, 'x@y').email == 'x@y'\n",
    ),
]
