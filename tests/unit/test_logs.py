import json
import logging

from dialgate.logs import JsonFormatter, mask


def test_numbers_are_masked_keeping_country_code_and_last_digits():
    assert mask("call to +33639980012 failed") == "call to +336******12 failed"


def test_a_log_line_is_one_json_object_with_a_fixed_event_and_masked_fields():
    record = logging.LogRecord("dialgate.scrub", logging.INFO, __file__, 1, "scrub.finished", (), None)
    record.fields = {"rows": 3, "number": "+447700900123", "numbers": ["+12015550123"]}
    line = json.loads(JsonFormatter().format(record))
    assert line["event"] == "scrub.finished" and line["rows"] == 3 and line["level"] == "info"
    assert line["number"] == "+447*******23" and line["numbers"] == ["+120******23"]
