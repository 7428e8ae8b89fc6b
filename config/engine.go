package config

import (
	"fmt"
	"strings"
)

// Engine is where the models from case versions to figures run (issue 16). DuckDB, the
// default, runs them in the embedded store. Spark runs them as Spark SQL on a cluster
// through Spark Connect, over a Parquet lake that every node of it reaches; ingest,
// staging and every output stay with the store, and the figures come back into it, so
// reports, dashboards, explain and stats read them as they do under DuckDB
// (docs/scale.md).
type Engine struct {
	// Kind is duckdb (the default) or spark.
	Kind string `yaml:"kind"`
	// Connect is the Spark Connect server, sc://host:port (scripts/spark-cluster starts
	// one at sc://127.0.0.1:15002). Required with spark.
	Connect string `yaml:"connect"`
	// Lake is the folder the store's staging rows are written to for Spark and Spark
	// writes the models' tables to. Every node of the cluster must reach it at this same
	// path (a shared mount); default: the store's path + ".lake".
	Lake string `yaml:"lake"`
}

// The engines.
const (
	EngineDuckDB = "duckdb"
	EngineSpark  = "spark"
)

func (e *Engine) applyDefaults(store string) {
	e.Kind = strings.ToLower(strings.TrimSpace(e.Kind))
	if e.Kind == "" {
		e.Kind = EngineDuckDB
	}
	if e.Kind == EngineSpark && e.Lake == "" {
		e.Lake = store + ".lake"
	}
}

func (e *Engine) validate() []error {
	var errs []error
	switch e.Kind {
	case EngineDuckDB:
		if e.Connect != "" || e.Lake != "" {
			errs = append(errs, fmt.Errorf("engine: connect and lake go with kind: spark, not %s", e.Kind))
		}
	case EngineSpark:
		if !strings.HasPrefix(e.Connect, "sc://") {
			errs = append(errs, fmt.Errorf("engine.connect: %q is not a Spark Connect address (sc://host:port)", e.Connect))
		}
		if strings.ContainsAny(e.Lake, `'\`) {
			errs = append(errs, fmt.Errorf("engine.lake: %q holds a quote or a backslash, which a path in Spark's SQL cannot", e.Lake))
		}
	default:
		errs = append(errs, fmt.Errorf("engine.kind: %q is not duckdb or spark", e.Kind))
	}
	return errs
}
