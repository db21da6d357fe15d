"""The international view (module 11, seed sections 十九 and 二十): PIPL side by side with the GDPR,
what each law asks of one breach, where the trends point, and four fictional case studies with
data and questions computed from the kit.

* ``reference``   the provisions the module may cite, with their marks (the kit's legal reference);
* ``comparison``  ``data/comparison.toml``: ``load_comparison``, ``comparison_table``, ``what_applies``;
* ``trends``      ``data/trends.toml``: ``load_trends``, ``trends_table``;
* ``cases``       ``data/cases.toml`` + the kit's data: ``build_cases`` and the four builders.
"""
from .errors import InternationalError
from .reference import Citation, CitationError, parse_citation
from .comparison import Comparison, Topic, comparison_table, load_comparison, what_applies
from .trends import Trend, load_trends, trends_table
from .cases import CASE_IDS, CaseStudy, Question, build_case, build_cases, case_exercise

__all__ = ["InternationalError", "Citation", "CitationError", "parse_citation", "Comparison", "Topic",
           "comparison_table", "load_comparison", "what_applies", "Trend", "load_trends", "trends_table",
           "CASE_IDS", "CaseStudy", "Question", "build_case", "build_cases", "case_exercise"]
