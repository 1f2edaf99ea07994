#!/usr/bin/env bash
# Installs what is missing, builds, then runs the main job: simulate one site's cohort, ingest it
# into a genotype store, and answer a few example queries.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh release >/dev/null
R=./build/renkei
SAMPLES=${SAMPLES:-2000}
VARIANTS=${VARIANTS:-50000}
mkdir -p demo-out
# The queries below are cut short with head: a closed pipe is expected there, not an error.
set +o pipefail
set -x
$R simulate --site TMM --samples "$SAMPLES" --variants "$VARIANTS" --seed 1 --out demo-out/tmm --force
$R ingest --vcf demo-out/tmm/genotypes.bcf --samples demo-out/tmm/samples.tsv --out demo-out/stores/tmm --force
$R freq --store demo-out/stores/tmm --cohort 'age=60-79 & sex=male & region=tohoku' --region chr1:1000000-1200000 | head -n 8
$R freq --store demo-out/stores/tmm --cohort 'disease=dementia | icd10=F00-F03' --region chr22 --format vcf | grep -v '^##' | head -n 5
$R freq --store demo-out/stores/tmm --cohort 'disease=type2-diabetes & !sex=female' --region chrX:1-5000000 --format json | head -n 12
VARIANT=$($R freq --store demo-out/stores/tmm --region chr1 | awk -F'\t' 'NR>2 && $8>0.2 {print $1":"$2":"$4":"$5; exit}')
$R strata --store demo-out/stores/tmm --variant "$VARIANT" | head -n 30
