package s3store_test

import (
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"
)

// BenchmarkCreate streams objects of 10 and 100 MiB in 1,000-byte rows
// through Create to the local S3 server and reports the peak heap in use
// while it does (sampled every 5 ms) beside the heap in use before (the
// test's own, after a collection). The difference should not grow with the
// object's size: a few 5 MiB parts, plus garbage the collector has not
// reclaimed yet.
func BenchmarkCreate(b *testing.B) {
	for _, size := range []int{10 * mib, 100 * mib} {
		b.Run(fmt.Sprintf("%dMiB", size/mib), func(b *testing.B) { benchmarkCreate(b, size) })
	}
}

func benchmarkCreate(b *testing.B, size int) {
	store, _, _ := newStore(b)
	row := payload(1000)
	b.SetBytes(int64(size))
	var base, peak uint64
	for b.Loop() {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		base = max(base, ms.HeapInuse)
		stop := make(chan struct{})
		var wg sync.WaitGroup
		wg.Go(func() {
			var ms runtime.MemStats
			tick := time.NewTicker(5 * time.Millisecond)
			defer tick.Stop()
			for {
				runtime.ReadMemStats(&ms)
				peak = max(peak, ms.HeapInuse)
				select {
				case <-stop:
					return
				case <-tick.C:
				}
			}
		})
		w, err := store.Create(b.Context(), "exports/bench/people.csv", "text/csv")
		if err != nil {
			b.Fatal(err)
		}
		for written := 0; written < size; written += len(row) {
			if _, err := w.Write(row[:min(len(row), size-written)]); err != nil {
				b.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			b.Fatal(err)
		}
		close(stop)
		wg.Wait()
	}
	b.ReportMetric(float64(base)/mib, "base-heap-MiB")
	b.ReportMetric(float64(peak)/mib, "peak-heap-MiB")
}
