#!/usr/bin/env python3
"""Writes strings.baton.yaml and strings.runtime/expected.json from one list of hostile strings.

The spec carries every string as a YAML literal (in double-quoted form with escapes, and a few in
plain, single-quoted and block styles); the expected file carries the same strings as pure-ASCII
JSON (every non-ASCII character a \\u escape). The hand-written test in strings.runtime/ runs the
generated workflows and compares what the generated code produces with the JSON, byte for byte:
the JSON goes through neither libyaml, nor the checker, nor the generator's escaping.

Run after editing the cases: python3 Tests/Fixtures/Adversarial/make-strings.py
(It checks each YAML scalar with PyYAML when that is installed.)
"""
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))

# (name, value): each becomes one step whose request text is the value.
CASES = [
    ("tripleQuotes", 'a """ b """# c ##"""## d'),
    ("interpolation", "\\(x) \\(\\(nested)) \\#(raw) \\u{41} \\n not escapes"),
    ("commentBreakers", "*/ closes, /* opens, /** doc */ // line ///"),
    ("hashes", "#if DEBUG\n#endif\n#warning(\"x\") #error(\"y\") #\"raw\"# ##\"\"##"),
    ("backslashes", "\\ \\\\ \\\\\\ trailing \\"),
    ("trailingBackslash", "\\"),
    ("quotes", "\" ' ` \"\" '' `` \"\"\"\"\"\""),
    ("controls", "".join(chr(c) for c in range(0, 32)) + "\x7f\x80\x85\x9f"),
    ("nul", "\x00"),
    ("lineBreaks", "cr\rlf\ncrlf\r\nnel\x85ls\u2028ps\u2029end"),
    ("tabs", "\tlead\tmid\ttrail\t"),
    ("bidi", "\u202eevil\u202c \u2066iso\u2069 \u2067r\u2069 \u2068f\u2069 \u200f\u200e\u061c \u202a\u202b\u202d"),
    ("invisible", "zero\u200bwidth\u200c\u200d\ufeffbom\u2060join\u00adsoft\u180e"),
    ("emoji", "🚀 👨\u200d👩\u200d👧\u200d👦 🇫🇷 👍🏽 1\ufe0f\u20e3 🏳\ufe0f\u200d🌈"),
    ("combining", "e\u0301 vs \u00e9; a\u030a vs \u00e5; \u1e9b\u0323"),
    ("astral", "\U0001d49c\U0001f600\U00010000\U0010fffd"),
    ("nonCharacters", "\ufffe\uffff\U0001fffe\U0010ffff\ue000\U000f0000\u0378"),
    ("mustache", "{{header}} {{{raw}}} {{#list}}{{/list}} {{% CONTENT_TYPE: TEXT}} {{! c }} {{> partial}}"),
    ("html", "<script>alert('x')</script> &amp; &lt; &#x27; &"),
    ("swiftCode", "\"); fatalError(\"pwned\"); let x = (\""),
    ("dollars", "$input.text $$ $step.field"),
    ("yamlish", "key: value\n- item\n? complex\n&anchor *alias !tag %directive @ `"),
    ("whitespace", "  leading and trailing  "),
    ("empty", ""),
    ("rtlText", "\u05e9\u05dc\u05d5\u05dd \u0645\u0631\u062d\u0628\u0627 abc"),
    ("cjk", "\u6f22\u5b57\u304b\u306a\u30ab\u30ca\ud55c\uae00"),
    ("longLine", ("long \u202e\"\"\"\\(x)*/ 🚀 " * 2400)[:65536]),
]

# Strings written in YAML styles other than double quotes, in block form:
# (name, the YAML text after `text:`, value).
STYLED = [
    ("plainText", "plain text with 'single' and \"double\" quotes, commas, a:colon and a#hash",
     "plain text with 'single' and \"double\" quotes, commas, a:colon and a#hash"),
    ("singleQuoted", "'it''s \\(not) an escape \\n'", "it's \\(not) an escape \\n"),
    ("literalBlock", "|-\n            line one \"quoted\" \\(x)\n              indented */\n            #not a comment",
     "line one \"quoted\" \\(x)\n  indented */\n#not a comment"),
    ("foldedBlock", ">-\n            folded \"\"\"\n            lines \\(x)\n\n            para",
     "folded \"\"\" lines \\(x)\npara"),
    ("dollarEscape", '"$$literal dollar"', "$literal dollar"),
    ("doubleDollar", "'$$$$two'", "$$$two"),
]

LIST = [value for _, value in CASES if len(value) < 200]
TABLE = {f"{name}:{value}": value for name, value in CASES if len(value) < 200}
FALLBACK = "fallback \u202e\"\"\" */ \\(x) \x00 🚀"
MODE = "mode \u202e \"\"\" \\(x) é"
URL = "http://h\u202eost:8080/p\"a\\th?q=\\(x)&r=*/#frag"
REGION = "eu-\u202ewest \"\"\""
VARIANT = "lite \\(x) */"
RULE = "rule \u202e \"\"\" */ \\(x)"


def yaml_quoted(text):
    """A YAML double-quoted scalar whose value is exactly `text`."""
    out = ['"']
    for ch in text:
        c = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif c < 0x20 or c == 0x7F or 0x80 <= c <= 0x9F:
            out.append("\\x%02X" % c)
        elif c in (0x2028, 0x2029, 0xFEFF) or 0xD800 <= c <= 0xDFFF or c in (0xFFFE, 0xFFFF):
            out.append("\\u%04X" % c)
        elif c > 0xFFFF and (c & 0xFFFE) == 0xFFFE:
            out.append("\\U%08X" % c)
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def literal(text):
    """A spec literal: text starting with `$` is written `$$…` so it is not a reference."""
    return yaml_quoted("$" + text if text.startswith("$") else text)


def yaml_flow_list(items):
    return "[" + ", ".join(literal(i) for i in items) + "]"


def yaml_flow_table(table):
    return "{ " + ", ".join(f"{yaml_quoted(k)}: {literal(v)}" for k, v in table.items()) + " }"


def main():
    steps = [(name, literal(value), value) for name, value in CASES] + list(STYLED)
    lines = [
        "# Generated by make-strings.py (next to this file) with strings.runtime/expected.json. Do not edit.",
        "baton: 1",
        "name: Strings",
        "description: " + yaml_quoted("Hostile text everywhere: \"\"\" */ /* \\(x) #if \u202e 🚀\nSecond line \u2028 separator."),
        "types:",
        "  Echo:",
        "    description: " + yaml_quoted("A request and a response.\n*/ \"\"\" \\(x) \u202e"),
        "    fields:",
        "      text: string",
        "      list: \"[string]?\"",
        "      table: \"[string: string]?\"",
        "services:",
        "  echo:",
        "    description: " + yaml_quoted("Echoes */ \"\"\" \\("),
        "    operations:",
        "      say:",
        "        description: " + yaml_quoted("#endif \u2066 */"),
        "        input: Echo",
        "        output: Echo",
        "  relay:",
        "    endpoints:",
        f"      - {{ url: {yaml_quoted(URL)}, region: {yaml_quoted(REGION)}, variant: {yaml_quoted(VARIANT)} }}",
        "    routing:",
        "      rules:",
        f"        - name: {yaml_quoted(RULE)}",
        "          when: \"p99 > 1h\"",
        f"          use: {{ variant: {yaml_quoted(VARIANT)} }}",
        "    operations:",
        "      pass:",
        "        input: Echo",
        "        output: Echo",
        "workflows:",
        "  speak:",
        "    description: " + yaml_quoted("Runs every string through a step. */"),
        "    input: { mode: string }",
        "    output: Echo",
        "    deadline: 10s",
        "    steps:",
    ]
    previous = None
    for name, scalar, _ in steps:
        lines.append(f"      {name}:")
        lines.append("        call: echo.say")
        lines.append("        with:")
        lines.append(f"          text: {scalar}")
        if previous:
            lines.append(f"        after: [{previous}]")
        previous = name
    lines += [
        "      lists:",
        "        call: echo.say",
        f"        with: {{ text: \"lists\", list: {yaml_flow_list(LIST)}, table: {yaml_flow_table(TABLE)} }}",
        f"        after: [{previous}]",
        "      relayed:",
        "        call: relay.pass",
        "        with: { text: \"relayed\" }",
        "        after: [lists]",
        "      chosen:",
        "        call: echo.say",
        "        with: { text: \"chosen\" }",
        # Quotes inside `when` only delimit the literal (no escapes): the YAML scalar holds them.
        "        when: " + yaml_quoted('$input.mode == "' + MODE + '"'),
        "        after: [relayed]",
        "        optional: true",
        "    result:",
        f"      text: {literal(CASES[-1][1])}",
        f"      list: {yaml_flow_list(LIST)}",
        f"      table: {yaml_flow_table(TABLE)}",
        "  fallBack:",
        "    input: { mode: string }",
        "    output: Echo",
        "    deadline: 1s",
        "    steps:",
        "      failing:",
        "        call: echo.say",
        "        with: { text: \"fails\" }",
        f"        fallback: {{ value: {{ text: {yaml_quoted(FALLBACK)}, list: [{yaml_quoted(FALLBACK)}], table: {{ {yaml_quoted(FALLBACK)}: {yaml_quoted(FALLBACK)} }} }} }}",
        "    result: $failing",
    ]
    yaml_text = "\n".join(lines) + "\n"
    with open(os.path.join(HERE, "strings.baton.yaml"), "w", encoding="utf-8") as f:
        f.write(yaml_text)

    expected = {
        "steps": [{"step": name, "text": value} for name, _, value in steps],
        "list": LIST,
        "table": TABLE,
        "output": {"text": CASES[-1][1], "list": LIST, "table": TABLE},
        "fallback": FALLBACK,
        "mode": MODE,
        "endpoint": {"url": URL, "region": REGION, "variant": VARIANT},
    }
    os.makedirs(os.path.join(HERE, "strings.runtime"), exist_ok=True)
    with open(os.path.join(HERE, "strings.runtime", "expected.json"), "w", encoding="ascii") as f:
        json.dump(expected, f, ensure_ascii=True, indent=1)
        f.write("\n")

    try:
        import yaml
    except ImportError:
        return
    # libyaml and PyYAML agree on YAML; this catches a mistake in yaml_quoted, not in Baton.
    doc = yaml.load(yaml_text, Loader=yaml.BaseLoader)
    got = doc["workflows"]["speak"]["steps"]
    for name, _, value in steps:
        assert got[name]["with"]["text"] == ("$" + value if value.startswith("$") else value), name
    assert doc["workflows"]["speak"]["result"]["table"] == {k: ("$" + v if v.startswith("$") else v) for k, v in TABLE.items()}
    assert doc["services"]["relay"]["endpoints"][0]["url"] == URL


if __name__ == "__main__":
    main()
