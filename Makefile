# The two commands a newcomer needs: `make demo` and `make test`.
# The dashboards package embeds ECharts from the npm registry (pinned by package-lock.json),
# so every Go build runs scripts/assets first.
GO ?= go

.PHONY: assets build demo test bench clean

assets:
	scripts/assets

build: assets
	$(GO) build -o bin/minqing .

demo: build
	./bin/minqing demo --dir minqing-demo

test: assets
	$(GO) vet ./...
	$(GO) test -count=1 -timeout 45m ./...

bench: assets
	$(GO) test -run '^$$' -bench . -benchmem ./...

clean:
	rm -rf bin minqing-demo out
