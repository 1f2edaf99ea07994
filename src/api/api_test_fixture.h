// Stores for the api layer's tests: simulated and ingested for real, small.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>

#include "api/node_service.h"
#include "sim/simulate.h"
#include "store/ingest.h"

namespace renkei::testing {

// Simulates and ingests `samples` × `variants` of `biobank` into dir/<biobank>/store and
// returns the store directory.
inline std::string MakeStore(const std::filesystem::path& dir, const std::string& biobank,
                             uint32_t samples, uint32_t variants) {
  SimOptions sim;
  sim.site = biobank;
  sim.samples = samples;
  sim.variants = variants;
  sim.out_dir = (dir / biobank / "sim").string();
  sim.threads = 1;
  sim.show_progress = false;
  EXPECT_TRUE(Simulate(sim).ok());
  IngestOptions ingest;
  ingest.vcf_path = sim.out_dir + "/genotypes.bcf";
  ingest.samples_path = sim.out_dir + "/samples.tsv";
  ingest.out_dir = (dir / biobank / "store").string();
  ingest.show_progress = false;
  EXPECT_TRUE(Ingest(ingest).ok());
  return ingest.out_dir;
}

}  // namespace renkei::testing
