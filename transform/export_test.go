package transform

// Hooks for the package's external tests.
var (
	RunDataTests   = runDataTests
	FullCheckCases = &fullCheckCases
)
