// Go side of the side-by-side benchmark harness (papers/bench/README.md).
//
// One binary, one workload per process:
//
//	gobench --workload NAME --n N --procs P
//
// Procs are set with --procs (runtime.GOMAXPROCS), the same flag the sched
// and tokio programs take. Timing starts after the process and runtime are
// up and stops when the workload's result is known. The program prints one
// line: name=… impl=go procs=… n=… ns_per_op=… rss_kb=… result=…
// (idle_memory adds bytes_per_g=…, fib and fib_warm add faults=…).
// Standard library only.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

func main() {
	workload := flag.String("workload", "", "workload name")
	n := flag.Int("n", 0, "size (workload-specific; 0 = default)")
	procs := flag.Int("procs", 1, "GOMAXPROCS")
	flag.Parse()
	runtime.GOMAXPROCS(*procs)
	w, ok := workloads[*workload]
	if !ok {
		fmt.Fprintf(os.Stderr, "unknown workload %q\n", *workload)
		os.Exit(2)
	}
	size := *n
	if size == 0 {
		size = w.def
	}
	r := w.run(size)
	line := fmt.Sprintf("name=%s impl=go procs=%d n=%d ns_per_op=%.3f rss_kb=%d result=%d",
		*workload, *procs, size, float64(r.ns)/float64(r.ops), peakRSSKB(), r.result)
	if r.bytesPerG != 0 {
		line += fmt.Sprintf(" bytes_per_g=%.0f", r.bytesPerG)
	}
	if r.faults >= 0 {
		line += fmt.Sprintf(" faults=%d", r.faults)
	}
	fmt.Println(line)
}

type outcome struct {
	ns        int64 // elapsed nanoseconds of the measured part
	ops       int64 // what ns_per_op divides by
	result    uint64
	bytesPerG float64
	faults    int64 // fib only: minor page faults in the measured part; -1 elsewhere
}

type workload struct {
	def int
	run func(n int) outcome
}

var workloads = map[string]workload{
	"spawn_join":      {1_000_000, spawnJoin},
	"pingpong":        {1_000_000, pingpong},
	"yield":           {10_000_000, yield},
	"skynet":          {1_000_000, skynet},
	"idle_memory":     {100_000, idleMemory},
	"idle_join":       {100_000, idleJoin},
	"fib":             {30, fib},
	"fib_warm":        {30, fibWarm},
	"imbalanced":      {10_000, imbalanced},
	"chan_throughput": {1_000_000, chanThroughput},
	"mutex":           {1_000_000, mutex},
	"select":          {1_000_000, selectTwo},
	"chained_spawn":   {1_000, chainedSpawn},
	"ping_pong":       {1_000, tokioPingPong},
	"spawn_many":      {10_000, spawnMany},
	"yield_many":      {1_000, yieldMany},
}

// Repetitions of the tokio micro-benchmarks inside one process (each is
// ~1 ms; tokio's bencher repeats them too).
const microReps = 20

func since(t0 time.Time) int64 { return time.Since(t0).Nanoseconds() }

// spawn_join: n goroutines spawned by main, then all joined; each returns i.
func spawnJoin(n int) outcome {
	t0 := time.Now()
	res := make([]uint64, n)
	var wg sync.WaitGroup
	wg.Add(n)
	for i := 0; i < n; i++ {
		go func(i int) {
			res[i] = uint64(i)
			wg.Done()
		}(i)
	}
	wg.Wait()
	var sum uint64
	for _, v := range res {
		sum += v
	}
	return outcome{since(t0), int64(n), sum, 0, -1}
}

// pingpong: two goroutines, two unbuffered channels, n round trips.
func pingpong(n int) outcome {
	ping := make(chan uint64)
	pong := make(chan uint64)
	t0 := time.Now()
	go func() {
		for v := range ping {
			pong <- v + 1
		}
		close(pong)
	}()
	var sum uint64
	for i := 0; i < n; i++ {
		ping <- uint64(i)
		sum += <-pong
	}
	close(ping)
	<-pong
	return outcome{since(t0), int64(n), sum, 0, -1}
}

// yield: 3 goroutines, n yields each.
func yield(n int) outcome {
	t0 := time.Now()
	var wg sync.WaitGroup
	var count uint64
	for g := 0; g < 3; g++ {
		wg.Add(1)
		go func() {
			var c uint64
			for i := 0; i < n; i++ {
				runtime.Gosched()
				c++
			}
			atomic.AddUint64(&count, c)
			wg.Done()
		}()
	}
	wg.Wait()
	return outcome{since(t0), int64(3 * n), count, 0, -1}
}

// skynet: a tree of n leaves, 10 children per node, sums sent back over
// channels (buffered, 10 slots, as in the original skynet).
func skynet(n int) outcome {
	t0 := time.Now()
	c := make(chan uint64, 1)
	go skynetNode(c, 0, uint64(n))
	sum := <-c
	return outcome{since(t0), 1, sum, 0, -1}
}

func skynetNode(c chan uint64, num, size uint64) {
	if size == 1 {
		c <- num
		return
	}
	rc := make(chan uint64, 10)
	sub := size / 10
	for i := uint64(0); i < 10; i++ {
		go skynetNode(rc, num+i*sub, sub)
	}
	var sum uint64
	for i := 0; i < 10; i++ {
		sum += <-rc
	}
	c <- sum
}

// idle_memory: n goroutines blocked on one channel receive; RSS growth per
// goroutine, then all released with a value each.
func idleMemory(n int) outcome {
	runtime.GC()
	before := rssKB("VmRSS")
	t0 := time.Now()
	ch := make(chan uint64)
	var started, done sync.WaitGroup
	started.Add(n)
	done.Add(n)
	var sum uint64
	for i := 0; i < n; i++ {
		go func() {
			started.Done()
			v := <-ch
			atomic.AddUint64(&sum, v)
			done.Done()
		}()
	}
	started.Wait()
	spawnNs := since(t0)
	after := rssKB("VmRSS")
	for i := 0; i < n; i++ {
		ch <- uint64(i)
	}
	done.Wait()
	return outcome{spawnNs, int64(n), sum, float64(after-before) * 1024 / float64(n), -1}
}

// idle_join: idle memory without channels on the sched side — a chain of n
// goroutines, each spawns the next and waits for it to finish (here: a
// receive on the child's done channel); the last waits for main's release.
// RSS growth per goroutine once all have started.
func idleJoin(n int) outcome {
	runtime.GC()
	before := rssKB("VmRSS")
	t0 := time.Now()
	release := make(chan struct{})
	var started int64
	var link func(k int, done chan uint64)
	link = func(k int, done chan uint64) {
		atomic.AddInt64(&started, 1)
		if k == n-1 {
			<-release
			done <- uint64(k)
			return
		}
		child := make(chan uint64, 1)
		go link(k+1, child)
		done <- uint64(k) + <-child
	}
	first := make(chan uint64, 1)
	go link(0, first)
	for atomic.LoadInt64(&started) < int64(n) {
		runtime.Gosched()
	}
	spawnNs := since(t0)
	after := rssKB("VmRSS")
	close(release)
	sum := <-first
	return outcome{spawnNs, int64(n), sum, float64(after-before) * 1024 / float64(n), -1}
}

// fib: fork-join fib(n), goroutine per call above the cutoff 20.
func fib(n int) outcome {
	faults := minorFaults()
	t0 := time.Now()
	r := fibPar(n)
	ns := since(t0)
	return outcome{ns, 1, r, 0, minorFaults() - faults}
}

// fibWarm: fib once untimed, then fib timed, so stacks and code are warm;
// the gap to fib is what a fresh runtime pays on first use.
func fibWarm(n int) outcome {
	warm := fib(n)
	o := fib(n)
	if warm.result != o.result {
		panic("fib_warm: the two runs disagree")
	}
	return o
}

// minorFaults: minor page faults of the whole process so far (getrusage).
func minorFaults() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Minflt
}

func fibPar(n int) uint64 {
	if n <= 20 {
		return fibSeq(n)
	}
	c := make(chan uint64, 1)
	go func() { c <- fibPar(n - 1) }()
	b := fibPar(n - 2)
	return <-c + b
}

func fibSeq(n int) uint64 {
	if n < 2 {
		return uint64(n)
	}
	return fibSeq(n-1) + fibSeq(n-2)
}

// spin: the common unit of CPU work (xorshift64, not foldable).
func spin(iters int, x uint64) uint64 {
	for i := 0; i < iters; i++ {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
	}
	return x
}

// imbalanced: n tasks of (i%100)*1000 spin iterations, all spawned by main.
func imbalanced(n int) outcome {
	t0 := time.Now()
	res := make([]uint64, n)
	var wg sync.WaitGroup
	wg.Add(n)
	for i := 0; i < n; i++ {
		go func(i int) {
			res[i] = spin((i%100)*1000, uint64(i)+1)
			wg.Done()
		}(i)
	}
	wg.Wait()
	var sum uint64
	for _, v := range res {
		sum += v
	}
	return outcome{since(t0), 1, sum, 0, -1}
}

// chan_throughput: one producer, one consumer, channel of 128 slots.
func chanThroughput(n int) outcome {
	t0 := time.Now()
	ch := make(chan uint64, 128)
	go func() {
		for i := 0; i < n; i++ {
			ch <- uint64(i)
		}
		close(ch)
	}()
	var sum uint64
	for v := range ch {
		sum += v
	}
	return outcome{since(t0), int64(n), sum, 0, -1}
}

// mutex: 8 goroutines, n increments in total under one mutex.
func mutex(n int) outcome {
	const workers = 8
	t0 := time.Now()
	var mu sync.Mutex
	var counter uint64
	var wg sync.WaitGroup
	for g := 0; g < workers; g++ {
		wg.Add(1)
		go func() {
			for i := 0; i < n/workers; i++ {
				mu.Lock()
				counter++
				mu.Unlock()
			}
			wg.Done()
		}()
	}
	wg.Wait()
	return outcome{since(t0), int64(n / workers * workers), counter, 0, -1}
}

// select: two producers on two unbuffered channels, one consumer selecting
// over both arms; n messages in total.
func selectTwo(n int) outcome {
	t0 := time.Now()
	a := make(chan uint64)
	b := make(chan uint64)
	half := n / 2
	go func() {
		for i := 0; i < half; i++ {
			a <- uint64(i)
		}
	}()
	go func() {
		for i := 0; i < half; i++ {
			b <- uint64(i)
		}
	}()
	var sum uint64
	for i := 0; i < 2*half; i++ {
		select {
		case v := <-a:
			sum += v
		case v := <-b:
			sum += v
		}
	}
	return outcome{since(t0), int64(2 * half), sum, 0, -1}
}

// chained_spawn (tokio): each goroutine spawns the next, the last signals.
func chainedSpawn(n int) outcome {
	t0 := time.Now()
	var total uint64
	for r := 0; r < microReps; r++ {
		done := make(chan uint64, 1)
		var iter func(k int)
		iter = func(k int) {
			if k == 0 {
				done <- 1
				return
			}
			go iter(k - 1)
		}
		go iter(n)
		total += <-done
	}
	return outcome{since(t0), microReps, total, 0, -1}
}

// ping_pong (tokio): n pairs; each pair exchanges one message each way over
// one-slot channels (tokio: oneshot); the last pair to finish signals.
func tokioPingPong(n int) outcome {
	t0 := time.Now()
	var total uint64
	for r := 0; r < microReps; r++ {
		done := make(chan uint64, 1)
		rem := int64(n)
		go func() {
			for i := 0; i < n; i++ {
				go func() {
					c1 := make(chan struct{}, 1)
					c2 := make(chan struct{}, 1)
					go func() {
						<-c1
						c2 <- struct{}{}
					}()
					c1 <- struct{}{}
					<-c2
					if atomic.AddInt64(&rem, -1) == 0 {
						done <- uint64(n)
					}
				}()
			}
		}()
		total += <-done
	}
	return outcome{since(t0), microReps, total, 0, -1}
}

// spawn_many (tokio): n goroutines each decrement a counter; main joins all.
func spawnMany(n int) outcome {
	t0 := time.Now()
	var total uint64
	for r := 0; r < microReps; r++ {
		rem := int64(n)
		var wg sync.WaitGroup
		wg.Add(n)
		for i := 0; i < n; i++ {
			go func() {
				atomic.AddInt64(&rem, -1)
				wg.Done()
			}()
		}
		wg.Wait()
		total += uint64(int64(n) - rem)
	}
	return outcome{since(t0), microReps, total, 0, -1}
}

// yield_many (tokio): 200 goroutines × n yields; main joins all.
func yieldMany(n int) outcome {
	const tasks = 200
	t0 := time.Now()
	var total uint64
	for r := 0; r < microReps; r++ {
		var wg sync.WaitGroup
		var count uint64
		wg.Add(tasks)
		for t := 0; t < tasks; t++ {
			go func() {
				for i := 0; i < n; i++ {
					runtime.Gosched()
				}
				atomic.AddUint64(&count, uint64(n))
				wg.Done()
			}()
		}
		wg.Wait()
		total += count
	}
	return outcome{since(t0), microReps, total, 0, -1}
}

// rssKB reads a field (VmRSS, VmHWM) of /proc/self/status in KiB.
func rssKB(field string) int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		line := s.Text()
		if strings.HasPrefix(line, field+":") {
			parts := strings.Fields(line)
			v, _ := strconv.ParseInt(parts[1], 10, 64)
			return v
		}
	}
	return 0
}

func peakRSSKB() int64 { return rssKB("VmHWM") }
