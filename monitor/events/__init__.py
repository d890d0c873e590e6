"""Events: one incident, one event. Pure decisions over values; the pipeline loads candidates and stores.

    copies   is an item the same article as one stored already (syndication)?
    merge    does a relevant report start an incident or join a known one, and what did it change?
             which earlier incidents does it refer back to?
"""

from monitor.events.copies import COPY_WINDOW as COPY_WINDOW
from monitor.events.copies import article_link as article_link
from monitor.events.copies import bare_title as bare_title
from monitor.events.copies import content_prints as content_prints
from monitor.events.copies import original_of as original_of
from monitor.events.copies import same_article as same_article
from monitor.events.merge import FOLLOW_UP_WINDOW as FOLLOW_UP_WINDOW
from monitor.events.merge import REFERENCE_WINDOW as REFERENCE_WINDOW
from monitor.events.merge import denial as denial
from monitor.events.merge import event_id_for as event_id_for
from monitor.events.merge import expand_places as expand_places
from monitor.events.merge import lookup_names as lookup_names
from monitor.events.merge import merge as merge
from monitor.events.merge import place_report as place_report
from monitor.events.merge import referenced_events as referenced_events
from monitor.events.merge import report_day as report_day
from monitor.events.merge import weigh as weigh
