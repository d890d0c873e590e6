"""Assessing: when an event is the first half of a familiar cycle, how likely the second half is, and what
that does to the warnings standing. Pure code over values; the pipeline loads and stores.

    judge          a rule's likelihood for one trigger, built in log-odds from precedents and evidence
    lifecycle      what one event does to the forecasts: confirm, raise, create, watch, announce, record a miss
    track_record   how the warnings sent so far turned out, and the misses with why each stayed silent
"""

from monitor.assess.judge import Evidence as Evidence
from monitor.assess.judge import World as World
from monitor.assess.judge import base_likelihood as base_likelihood
from monitor.assess.judge import fulfils as fulfils
from monitor.assess.judge import history_cases as history_cases
from monitor.assess.judge import judge as judge
from monitor.assess.judge import likelihood as likelihood
from monitor.assess.judge import matches as matches
from monitor.assess.judge import of_trigger_kind as of_trigger_kind
from monitor.assess.judge import precedents as precedents
from monitor.assess.judge import tempo as tempo
from monitor.assess.judge import threat_supports as threat_supports
from monitor.assess.judge import why_not as why_not
from monitor.assess.lifecycle import THREAT_LOOKBACK as THREAT_LOOKBACK
from monitor.assess.lifecycle import decide as decide
from monitor.assess.lifecycle import incident_of as incident_of
from monitor.assess.lifecycle import tempo_window as tempo_window
from monitor.assess.track_record import Missed as Missed
from monitor.assess.track_record import Outcome as Outcome
from monitor.assess.track_record import track_record as track_record
from monitor.model import Standing as Standing
