"""axe-core (from npm, ``node_modules/axe-core``) in a Playwright page: the accessibility findings
of what the page shows, and the layout checks the responsive rules ask for.

:func:`axe_findings` injects axe into the page (or a frame) and runs it on the whole document;
:func:`assert_accessible` fails on any finding of critical, serious or minor impact, and on a
moderate one the test did not explain (``explained``: rule id -> why it is acceptable).
:func:`axe_rule_outcomes` says of each named rule whether it passed, was violated or did not
apply (a check that a rule *passed* cannot be met by a page it never looked at).
:data:`WORDS_BROKEN` lists the words a layout broke across lines (ids and GUIDs, ``.mono``, are not
words); :data:`PAGE_OVERFLOW` says whether the page scrolls sideways.
"""
from pathlib import Path
from typing import Dict, List, Mapping, Optional


AXE_SCRIPT = Path(__file__).resolve().parent.parent / 'node_modules' / 'axe-core' / 'axe.min.js'
FAILING_IMPACTS = ('critical', 'serious', 'minor')
# axe-core's landmark rules: all content inside landmarks, exactly one main, at the top level.
LANDMARK_RULES = ('region', 'landmark-one-main', 'landmark-no-duplicate-main',
                  'landmark-main-is-top-level')

# Each word (letters/digits run) of every visible text under `root`, outside `.mono`, that the
# browser laid out on more than one line: [word, element text] pairs.
WORDS_BROKEN = """(root) => {
  const scope = typeof root === 'string' ? document.querySelector(root) : document.body;
  const broken = [];
  const walker = document.createTreeWalker(scope, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (!parent || parent.closest('.mono, .visually-hidden, script, style')) continue;
    if (!parent.getClientRects().length) continue;
    const text = node.textContent;
    for (const match of text.matchAll(/[\\p{L}\\p{N}]+/gu)) {
      const range = document.createRange();
      range.setStart(node, match.index);
      range.setEnd(node, match.index + match[0].length);
      const rects = [...range.getClientRects()].filter((r) => r.width > 0);
      const lines = new Set(rects.map((r) => Math.round(r.top)));
      if (lines.size > 1) broken.push([match[0], parent.innerText.slice(0, 80)]);
    }
  }
  return broken;
}"""

PAGE_OVERFLOW = """() => {
  const root = document.documentElement;
  return {scroll: root.scrollWidth, client: root.clientWidth};
}"""


def axe_findings(page, *, context: Optional[str] = None) -> List[Dict]:
    """axe-core's violations on ``page`` (a Page or a Frame), ``context`` a CSS selector or all."""
    if not AXE_SCRIPT.exists():
        raise AssertionError(f'{AXE_SCRIPT} is missing: `npm install` (axe-core is a devDependency)')
    page.add_script_tag(path=str(AXE_SCRIPT))
    return page.evaluate(
        """async (context) => (await axe.run(context ? document.querySelector(context) : document,
            {resultTypes: ['violations']})).violations.map((v) => ({
              id: v.id, impact: v.impact, help: v.help,
              nodes: v.nodes.map((n) => n.target.join(' ')).slice(0, 5)}))""",
        context,
    )


def axe_rule_outcomes(page, rules) -> Dict[str, str]:
    """Only ``rules`` run on the whole document: rule id -> ``passed``, ``violated``,
    ``incomplete`` (axe could not tell) or ``inapplicable`` (nothing on the page to check)."""
    if not AXE_SCRIPT.exists():
        raise AssertionError(f'{AXE_SCRIPT} is missing: `npm install` (axe-core is a devDependency)')
    page.add_script_tag(path=str(AXE_SCRIPT))
    return page.evaluate(
        """async (rules) => {
          const results = await axe.run(document, {runOnly: {type: 'rule', values: rules}});
          const outcomes = {};
          for (const [key, outcome] of [['passes', 'passed'], ['violations', 'violated'],
                                        ['incomplete', 'incomplete'], ['inapplicable', 'inapplicable']]) {
            for (const rule of results[key]) outcomes[rule.id] = outcome;
          }
          return outcomes;
        }""",
        list(rules),
    )


def assert_accessible(page, *, explained: Mapping[str, str] = (), context: Optional[str] = None):
    """No critical, serious or minor finding; each moderate one explained by the test."""
    findings = axe_findings(page, context=context)
    explained = dict(explained)
    failing = [finding for finding in findings
               if finding['impact'] in FAILING_IMPACTS
               or (finding['impact'] == 'moderate' and finding['id'] not in explained)]
    assert not failing, f'axe-core findings: {failing}'
    return findings
