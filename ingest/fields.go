package ingest

// Fields lists the canonical fields of each record kind, in raw-table column order.
// A raw column is NULL when the file has no such column and ” when the cell is empty.
var Fields = map[string][]string{
	KindCases: {
		"case_no", "unit", "channel", "received_at", "category", "item", "topic", "department",
		"promised_days", "due_at", "supplement_requested_at", "supplement_done_at",
		"escalated_at", "reply_at", "closed_at", "status", "result", "first_contact_at",
		"feedback_at", "feedback_method", "satisfaction", "proxy", "handler",
		"citizen_name", "citizen_phone", "citizen_id", "description", "updated_at",
	},
	KindVisits: {
		"visited_on", "unit", "visitor", "household", "persons", "opinions",
		"problems_solved", "case_no",
	},
	KindServices: {
		"served_on", "unit", "team", "kind", "volunteers", "beneficiaries",
	},
}

// personalFields are read from exports but never stored: they become citizen_key and
// masked columns.
var personalFields = map[string]bool{"citizen_name": true, "citizen_phone": true, "citizen_id": true}

// rawTables names the raw table of each kind.
var rawTables = map[string]string{
	KindCases:    "raw_cases",
	KindVisits:   "raw_visits",
	KindServices: "raw_services",
}

// storedColumns returns the raw table's value columns for kind: the canonical fields,
// with personal fields replaced by their hash and masks.
func storedColumns(kind string) []string {
	var cols []string
	for _, f := range Fields[kind] {
		if personalFields[f] {
			continue
		}
		cols = append(cols, f)
	}
	if kind == KindCases {
		cols = append(cols, "citizen_key", "citizen_name_masked", "citizen_phone_masked", "citizen_id_masked")
	}
	return cols
}
