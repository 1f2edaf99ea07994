#!/usr/bin/env bash
# Whole-process comparison of `renkei freq` with plink2 and bcftools on the same simulated data,
# plus in-process latency (bench/freq_latency.cc). Prints a Markdown report on stdout; the
# results of a run go into docs/benchmarks.md by hand, with date and machine.
#
# Usage: bench/freq_vs_peers.sh [SAMPLES] [VARIANTS] [RUNS]    (defaults 23000 200000 5)
# Work files go to bench/out/ (ignored by git); they are reused when present.
set -euo pipefail
cd "$(dirname "$0")/.."
SAMPLES=${1:-23000}
VARIANTS=${2:-200000}
RUNS=${3:-5}
OUT=bench/out/${SAMPLES}x${VARIANTS}
bash scripts/install-deps.sh
bash scripts/build.sh release >/dev/null
R=$PWD/build/renkei
mkdir -p "$OUT"

log() { echo "$*" >&2; }
# time_cmd NAME RUNS CMD...: median wall seconds and max peak RSS (MiB) over RUNS runs.
time_cmd() {
  local name=$1 runs=$2; shift 2
  local times=() peak=0
  for ((i = 0; i < runs; i++)); do
    /usr/bin/time -f "%e %M" -o "$OUT/time.txt" "$@" >/dev/null 2>"$OUT/stderr.txt" || {
      log "FAILED: $name"; cat "$OUT/stderr.txt" >&2; return 1; }
    read -r t m < "$OUT/time.txt"
    times+=("$t"); (( m > peak )) && peak=$m
  done
  local median
  median=$(printf '%s\n' "${times[@]}" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  echo "$name $median $((peak / 1024))"
}

if [ ! -f "$OUT/sim/genotypes.bcf" ]; then
  log "simulating $SAMPLES × $VARIANTS"
  /usr/bin/time -f "%e" -o "$OUT/sim_time.txt" \
    "$R" simulate --site BBJ --samples "$SAMPLES" --variants "$VARIANTS" --seed 1 --out "$OUT/sim" --force
fi
if [ ! -f "$OUT/store/meta.json" ]; then
  log "ingesting"
  /usr/bin/time -f "%e %M" -o "$OUT/ingest_time.txt" \
    "$R" ingest --vcf "$OUT/sim/genotypes.bcf" --samples "$OUT/sim/samples.tsv" --out "$OUT/store" --force
fi
if [ ! -f "$OUT/pg.pgen" ]; then
  log "plink2 --make-pgen"
  /usr/bin/time -f "%e %M" -o "$OUT/pgen_time.txt" \
    plink2 --bcf "$OUT/sim/genotypes.bcf" --vcf-half-call missing --make-pgen --out "$OUT/pg" --threads 2 >/dev/null
fi

# Cohorts, chosen from the samples file with awk (independently of renkei's cohort language).
awk -F'\t' 'BEGIN{srand(1)} NR>1 && rand()<1/3 {print $1}' "$OUT/sim/samples.tsv" > "$OUT/third.txt"
awk -F'\t' 'NR>1 && ($3=="60-69"||$3=="70-79") && $4=="male" && ($5+0>=8 && $5+0<=14) && $6 ~ /I1[0-5]/ {print $1}' \
  "$OUT/sim/samples.tsv" > "$OUT/cohort4.txt"
COHORT4='age=60-79 & sex=male & region=kanto & disease=hypertension'
for c in third cohort4; do (echo "#IID"; cat "$OUT/$c.txt") > "$OUT/$c.keep"; done

results=()
for c in third cohort4; do
  if [ "$c" = third ]; then expr="sample=@$OUT/third.txt"; else expr=$COHORT4; fi
  results+=("$(time_cmd "renkei_$c" "$RUNS" "$R" freq --store "$OUT/store" --cohort "$expr" --out "$OUT/renkei_$c.tsv")")
  results+=("$(time_cmd "plink2_$c" "$RUNS" plink2 --pfile "$OUT/pg" --keep "$OUT/$c.keep" --freq --threads 2 --out "$OUT/plink2_$c")")
  results+=("$(time_cmd "bcftools_$c" 1 bash -c "bcftools view -S $OUT/$c.txt -Ou $OUT/sim/genotypes.bcf | bcftools +fill-tags -Ou -- -t AC,AN,AF,AC_Hom,AC_Het,AC_Hemi,NS | bcftools query -f '%CHROM\t%POS\t%REF\t%ALT\t%AC\t%AN\t%AF\n' > $OUT/bcftools_$c.tsv")")
done
# Sanity: renkei's cohort has exactly the awk-chosen samples.
n_awk=$(wc -l < "$OUT/cohort4.txt")
n_renkei=$(sed -n 1p "$OUT/renkei_cohort4.tsv" | sed 's/.*cohort_size=\([0-9]*\).*/\1/')
[ "$n_awk" = "$n_renkei" ] || { log "cohort mismatch: awk $n_awk, renkei $n_renkei"; exit 1; }

latency=$("$PWD/build/bench/freq_latency" "$OUT/store" "$COHORT4")

store_bytes=$(du -sb "$OUT/store" | cut -f1)
geno_bytes=$(stat -c %s "$OUT/store/genotypes.bin")
pgen_bytes=$(stat -c %s "$OUT/pg.pgen")
read -r ingest_s ingest_kb < "$OUT/ingest_time.txt"
read -r pgen_s pgen_kb < "$OUT/pgen_time.txt"

echo "## freq_vs_peers: $SAMPLES samples × $VARIANTS variants"
echo
echo "- date: $(date -u +%Y-%m-%d), machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p'), $(free -g | awk '/Mem:/{print $2}') GiB"
echo "- cohorts: random third = $(wc -l < "$OUT/third.txt") samples; '$COHORT4' = $n_awk samples"
[ -f "$OUT/sim_time.txt" ] && echo "- simulate: $(cat "$OUT/sim_time.txt") s"
echo "- ingest: ${ingest_s} s, peak $((ingest_kb / 1024)) MiB; plink2 --make-pgen: ${pgen_s} s, peak $((pgen_kb / 1024)) MiB"
echo "- store: $((store_bytes / 1048576)) MiB in all (genotypes.bin $((geno_bytes / 1048576)) MiB); plink2 .pgen: $((pgen_bytes / 1048576)) MiB; ratio store/pgen $(awk -v a="$store_bytes" -v b="$pgen_bytes" 'BEGIN{printf "%.2f", a/b}')"
echo
echo "Whole process, page cache warm, median of $RUNS runs (bcftools: 1 run):"
echo
echo "| cohort | renkei s | plink2 s | bcftools s | plink2/renkei | bcftools/renkei | peak MiB renkei / plink2 / bcftools |"
echo "|---|---|---|---|---|---|---|"
for c in third cohort4; do
  r=$(printf '%s\n' "${results[@]}" | awk -v n="renkei_$c" '$1==n')
  p=$(printf '%s\n' "${results[@]}" | awk -v n="plink2_$c" '$1==n')
  b=$(printf '%s\n' "${results[@]}" | awk -v n="bcftools_$c" '$1==n')
  echo "$r $p $b" | awk -v c="$c" '{printf "| %s | %.3f | %.3f | %.2f | %.1f× | %.0f× | %d / %d / %d |\n", c, $2, $5, $8, $5/$2, $8/$2, $3, $6, $9}'
done
echo
echo "In process (bench/freq_latency):"
echo
echo '```'
echo "$latency"
echo '```'
echo "$latency" | awk -F'\t' -v v="$VARIANTS" -v gb="$geno_bytes" '
  $1=="memory_read_1GiB_one_core" {bw = 1073741824 / ($2 / 1000)}
  $1=="whole_store_count_one_core_random_third" {t = $2 / 1000}
  END {
    printf "\nPer core: %.1f ms per million variants counting a random third (%.0f MB/s of genotype data);\n", t * 1e9 / v, gb / t / 1e6
    printf "memory-bandwidth limit for the same bytes at %.1f GB/s: %.1f ms per million variants (ratio %.1f×).\n", bw / 1e9, gb / bw * 1e9 / v, t / (gb / bw)
  }'
