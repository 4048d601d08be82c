"""Detection: heuristics that turn an indicator into named signals, a score and a verdict.

Pure code (no I/O). `Detector` is the seam the services use; `combine` is the one place where
signals become a score and a verdict; `report_signals` is what reports are worth.
"""

from antifraud.detection.detector import DetectionSettings, Detector
from antifraud.detection.lexicon import Lexicon, parse_lexicon
from antifraud.detection.reports import report_signals
from antifraud.detection.scoring import Thresholds, combine

__all__ = ["DetectionSettings", "Detector", "Lexicon", "Thresholds", "combine", "parse_lexicon", "report_signals"]
