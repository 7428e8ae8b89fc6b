package ingest

// PipeCSV lets the external tests load delimited files through the Appender instead.
var PipeCSV = &pipeCSV

// ReadCSVMaxLine is the longest row read_csv takes from the pipe.
const ReadCSVMaxLine = readCSVMaxLine

// AppendCSVRow and ReadCSVCall are the two halves of the pipe, for the round-trip fuzz.
var (
	AppendCSVRow = appendCSVRow
	ReadCSVCall  = readCSVCall
)
