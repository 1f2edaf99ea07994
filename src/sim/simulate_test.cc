// The simulator's output read back through bcftools (the independent truth), and its statistics.
#include "sim/simulate.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "cohort/samples.h"
#include "cohort/vocab.h"
#include "sim/genotypes.h"

namespace renkei {
namespace {

namespace fs = std::filesystem;

constexpr const char* kBcftools = "/usr/bin/bcftools";
constexpr uint32_t kSamples = 300;
constexpr uint32_t kVariants = 3000;

std::string Sh(const std::string& command) {
  std::string out;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return out;
  std::array<char, 65536> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), pipe)) > 0) out.append(buf.data(), n);
  pclose(pipe);
  return out;
}

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> Split(const std::string& s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    size_t end = s.find(sep, start);
    out.push_back(s.substr(start, end == std::string::npos ? std::string::npos : end - start));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return out;
}

struct Row {
  std::string chrom;
  int64_t pos = 0;
  std::string ref;
  std::vector<std::string> alts;
  std::vector<std::string> gts;
};

struct Meta {
  std::string id, biobank, age_band, sex, prefecture;
  std::vector<std::string> icd10;
};

fs::path TempDir(const std::string& name) {
  fs::path dir =
      fs::temp_directory_path() / ("renkei_sim_test_" + std::to_string(getpid()) + "_" + name);
  fs::remove_all(dir);
  return dir;
}

SimOptions SmallOptions(const fs::path& dir) {
  SimOptions o;
  o.site = "TMM";
  o.samples = kSamples;
  o.variants = kVariants;
  o.seed = 42;
  o.out_dir = dir.string();
  o.show_progress = false;
  return o;
}

// Non-missing ALT-allele count of a biallelic GT string, or -1 when any slot is missing.
int Dosage(const std::string& gt) {
  if (gt.find('.') != std::string::npos) return -1;
  return static_cast<int>(std::count(gt.begin(), gt.end(), '1'));
}

double RSquared(const std::vector<int>& a, const std::vector<int>& b) {
  double n = 0, sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i] < 0 || b[i] < 0) continue;
    n += 1;
    sa += a[i];
    sb += b[i];
    saa += a[i] * a[i];
    sbb += b[i] * b[i];
    sab += a[i] * b[i];
  }
  const double va = saa / n - (sa / n) * (sa / n);
  const double vb = sbb / n - (sb / n) * (sb / n);
  if (va <= 0 || vb <= 0) return 0;
  const double cov = sab / n - (sa / n) * (sb / n);
  return cov * cov / (va * vb);
}

class SimulateTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new fs::path(TempDir("main"));
    SimCounts counts;
    Status st = Simulate(SmallOptions(*dir_), &counts);
    ASSERT_TRUE(st.ok()) << st.ToString();
    counts_ = counts;
    bcf_ = new std::string((*dir_ / "genotypes.bcf").string());
    rows_ = new std::vector<Row>();
    std::string text =
        Sh(std::string(kBcftools) + " query -f '%CHROM\\t%POS\\t%REF\\t%ALT[\\t%GT]\\n' " + *bcf_);
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
      std::vector<std::string> f = Split(line, '\t');
      Row r;
      r.chrom = f[0];
      r.pos = std::stoll(f[1]);
      r.ref = f[2];
      r.alts = Split(f[3], ',');
      r.gts.assign(f.begin() + 4, f.end());
      rows_->push_back(std::move(r));
    }
    meta_ = new std::vector<Meta>();
    std::istringstream tsv(ReadFile(*dir_ / "samples.tsv"));
    std::getline(tsv, line);  // header
    while (std::getline(tsv, line)) {
      std::vector<std::string> f = Split(line, '\t');
      if (f.size() != 6) {
        ADD_FAILURE() << "bad samples.tsv line: " << line;
        continue;
      }
      Meta m{f[0], f[1], f[2], f[3], f[4], {}};
      if (!f[5].empty()) m.icd10 = Split(f[5], ',');
      meta_->push_back(std::move(m));
    }
  }
  static void TearDownTestSuite() {
    std::error_code ec;
    fs::remove_all(*dir_, ec);
    delete dir_;
    delete bcf_;
    delete rows_;
    delete meta_;
  }

  static inline fs::path* dir_ = nullptr;
  static inline std::string* bcf_ = nullptr;
  static inline std::vector<Row>* rows_ = nullptr;
  static inline std::vector<Meta>* meta_ = nullptr;
  static inline SimCounts counts_;
};

TEST_F(SimulateTest, WritesRequestedSitesAndSamples) {
  EXPECT_EQ(Sh(std::string(kBcftools) + " view -H " + *bcf_ + " | wc -l"),
            std::to_string(kVariants) + "\n");
  EXPECT_EQ(rows_->size(), kVariants);
  EXPECT_EQ(counts_.sites, kVariants);
  std::string ids;
  for (const Meta& m : *meta_) ids += m.id + "\n";
  EXPECT_EQ(Sh(std::string(kBcftools) + " query -l " + *bcf_), ids);
  ASSERT_EQ(meta_->size(), kSamples);
  EXPECT_EQ(meta_->front().id, "TMM000001");
  EXPECT_EQ(meta_->back().id, "TMM000300");
  EXPECT_TRUE(fs::exists(*dir_ / "genotypes.bcf.csi"));
  for (const auto& entry : fs::directory_iterator(*dir_)) {
    EXPECT_EQ(entry.path().string().find(".partial"), std::string::npos) << entry.path();
  }
  // The index works: a region query returns chr2's sites only.
  std::string chr2 = Sh(std::string(kBcftools) + " view -H -r chr2 " + *bcf_ + " | cut -f1 | uniq");
  EXPECT_EQ(chr2, "chr2\n");
}

TEST_F(SimulateTest, HeaderDeclaresGrch38ContigsAndSource) {
  std::string header = Sh(std::string(kBcftools) + " view -h " + *bcf_);
  EXPECT_NE(header.find("##source=renkei-simulate\n"), std::string::npos);
  EXPECT_NE(header.find("##contig=<ID=chr1,length=248956422>"), std::string::npos);
  EXPECT_NE(header.find("##contig=<ID=chr22,length=50818468>"), std::string::npos);
  EXPECT_NE(header.find("##contig=<ID=chrX,length=156040895>"), std::string::npos);
  EXPECT_NE(header.find("##contig=<ID=chrY,length=57227415>"), std::string::npos);
  EXPECT_NE(header.find("##FORMAT=<ID=GT,"), std::string::npos);
}

TEST_F(SimulateTest, SitesAreValidSortedAndSpreadByLength) {
  std::map<std::string, int> per_contig;
  std::map<std::string, int64_t> last_pos;
  std::vector<std::string> order;
  int multi = 0, indel = 0;
  for (const Row& r : *rows_) {
    if (per_contig[r.chrom]++ == 0) order.push_back(r.chrom);
    EXPECT_GT(r.pos, last_pos[r.chrom]) << r.chrom << ":" << r.pos;
    last_pos[r.chrom] = r.pos;
    ASSERT_FALSE(r.ref.empty());
    EXPECT_EQ(r.ref.find_first_not_of("ACGT"), std::string::npos) << r.ref;
    std::set<std::string> alleles = {r.ref};
    bool is_indel = false;
    for (const std::string& a : r.alts) {
      EXPECT_FALSE(a.empty());
      EXPECT_EQ(a.find_first_not_of("ACGT"), std::string::npos) << a;
      EXPECT_TRUE(alleles.insert(a).second) << "duplicate allele at " << r.chrom << ":" << r.pos;
      is_indel |= a.size() != r.ref.size();
    }
    multi += r.alts.size() > 1;
    indel += is_indel;
  }
  EXPECT_GE(multi, kVariants * 0.005);
  EXPECT_LE(multi, kVariants * 0.05);
  EXPECT_GE(indel, kVariants * 0.05);
  EXPECT_LE(indel, kVariants * 0.16);
  std::vector<std::string> expected_order;
  for (int c = 1; c <= 22; ++c) expected_order.push_back("chr" + std::to_string(c));
  expected_order.push_back("chrX");
  expected_order.push_back("chrY");
  EXPECT_EQ(order, expected_order);
  // chr1 is ~8% of the genome; chr21 ~1.5%.
  EXPECT_NEAR(per_contig["chr1"], kVariants * 0.081, kVariants * 0.01);
  EXPECT_NEAR(per_contig["chr21"], kVariants * 0.015, kVariants * 0.006);
  EXPECT_LT(per_contig["chrY"], per_contig["chr21"]);
}

TEST_F(SimulateTest, MostVariantsAreRare) {
  int biallelic = 0, singleton_or_doubleton = 0, monomorphic = 0, common = 0;
  for (const Row& r : *rows_) {
    if (r.alts.size() != 1) continue;
    ++biallelic;
    int ac = 0;
    for (const std::string& gt : r.gts)
      ac += static_cast<int>(std::count(gt.begin(), gt.end(), '1'));
    if (ac == 0) ++monomorphic;
    if (ac == 1 || ac == 2) ++singleton_or_doubleton;
    if (ac >= 0.05 * 2 * kSamples) ++common;
  }
  const double share = static_cast<double>(singleton_or_doubleton) / biallelic;
  EXPECT_GE(share, 0.40) << singleton_or_doubleton << " of " << biallelic;
  EXPECT_LE(share, 0.65) << singleton_or_doubleton << " of " << biallelic;
  EXPECT_LT(monomorphic, biallelic * 0.05);
  EXPECT_GT(common, biallelic * 0.08);  // enough common variants for LD
}

TEST_F(SimulateTest, NeighbouringCommonVariantsAreInLinkageDisequilibrium) {
  // Dosages of common biallelic autosomal variants, in genome order.
  std::vector<std::vector<int>> dosages;
  std::vector<std::string> chrom;
  for (const Row& r : *rows_) {
    if (r.alts.size() != 1 || r.chrom == "chrX" || r.chrom == "chrY") continue;
    std::vector<int> d(r.gts.size());
    int ac = 0, an = 0;
    for (size_t i = 0; i < r.gts.size(); ++i) {
      d[i] = Dosage(r.gts[i]);
      if (d[i] >= 0) {
        ac += d[i];
        an += 2;
      }
    }
    const double maf = std::min(ac, an - ac) / static_cast<double>(an);
    if (maf < 0.05) continue;
    dosages.push_back(std::move(d));
    chrom.push_back(r.chrom);
  }
  ASSERT_GT(dosages.size(), 200u);
  double adjacent = 0, distant = 0;
  int n_adjacent = 0, n_distant = 0;
  for (size_t i = 0; i + 1 < dosages.size(); ++i) {
    if (chrom[i] == chrom[i + 1]) {
      adjacent += RSquared(dosages[i], dosages[i + 1]);
      ++n_adjacent;
    }
    const size_t j = (i + dosages.size() / 2) % dosages.size();
    if (chrom[i] != chrom[j]) {
      distant += RSquared(dosages[i], dosages[j]);
      ++n_distant;
    }
  }
  adjacent /= n_adjacent;
  distant /= n_distant;
  EXPECT_GT(adjacent, 0.10);
  EXPECT_GT(adjacent, 5 * distant) << "adjacent " << adjacent << " distant " << distant;
  EXPECT_LT(distant, 0.02);
}

TEST_F(SimulateTest, SexChromosomePloidyFollowsSex) {
  int x_nonpar = 0, x_par = 0, y_sites = 0;
  auto diploid = [](const std::string& gt) { return gt.find_first_of("/|") != std::string::npos; };
  for (const Row& r : *rows_) {
    if (r.chrom != "chrX" && r.chrom != "chrY") continue;
    const bool nonpar = r.pos >= kChrXNonParBegin && r.pos <= kChrXNonParEnd;
    if (r.chrom == "chrX") ++(nonpar ? x_nonpar : x_par);
    if (r.chrom == "chrY") ++y_sites;
    for (size_t i = 0; i < r.gts.size(); ++i) {
      const std::string& sex = (*meta_)[i].sex;
      const std::string& gt = r.gts[i];
      if (sex == "unknown") {
        EXPECT_TRUE(diploid(gt)) << r.chrom << ":" << r.pos << " " << gt;
      } else if (r.chrom == "chrY") {
        if (sex == "male") {
          EXPECT_FALSE(diploid(gt)) << gt;
        } else {
          EXPECT_EQ(gt, ".");
        }
      } else if (sex == "male" && nonpar) {
        EXPECT_TRUE(gt == "0" || gt == "1" || gt == "2" || gt == "3" || gt == ".") << gt;
      } else {
        EXPECT_TRUE(diploid(gt)) << r.chrom << ":" << r.pos << " " << sex << " " << gt;
      }
    }
  }
  EXPECT_GT(x_nonpar, 50);
  EXPECT_GT(y_sites, 0);
}

TEST_F(SimulateTest, CallsAreMostlyUnphasedWithSomeMissing) {
  int64_t calls = 0, missing = 0, half_missing = 0, phased = 0;
  int sites_high_missing = 0;
  for (const Row& r : *rows_) {
    int site_missing = 0;
    for (const std::string& gt : r.gts) {
      if (r.chrom == "chrY" && gt == ".") continue;  // absent chrY, not a missing call
      ++calls;
      if (gt == "./." || gt == ".") {
        ++missing;
        ++site_missing;
      } else if (gt.find('.') != std::string::npos) {
        ++half_missing;
      }
      if (gt.find('|') != std::string::npos) ++phased;
    }
    if (site_missing > 0.05 * kSamples) ++sites_high_missing;
  }
  const double missing_rate = static_cast<double>(missing) / static_cast<double>(calls);
  EXPECT_GT(missing_rate, 0.008);
  EXPECT_LT(missing_rate, 0.04);
  EXPECT_GT(sites_high_missing, kVariants * 0.03);  // some sites much worse than most
  EXPECT_LT(sites_high_missing, kVariants * 0.25);
  EXPECT_GT(half_missing, 0);
  EXPECT_LT(half_missing, calls / 2000);
  EXPECT_GT(phased, 0);
  EXPECT_LT(phased, calls / 100);
}

TEST_F(SimulateTest, MetadataIsPlausible) {
  std::string header = ReadFile(*dir_ / "samples.tsv").substr(0, 50);
  EXPECT_EQ(header.substr(0, header.find('\n')),
            "sample_id\tbiobank\tage_band\tsex\tprefecture\ticd10");
  std::set<std::string> bands;
  for (int b = 0; b < kAgeBandCount; ++b) bands.emplace(AgeBandName(b));
  int older = 0, male = 0, female = 0, home = 0;
  for (const Meta& m : *meta_) {
    EXPECT_EQ(m.biobank, "TMM");
    EXPECT_TRUE(bands.count(m.age_band)) << m.age_band;
    EXPECT_TRUE(m.sex == "male" || m.sex == "female" || m.sex == "unknown") << m.sex;
    ASSERT_EQ(m.prefecture.size(), 2u);
    const int pref = std::stoi(m.prefecture);
    EXPECT_GE(pref, 1);
    EXPECT_LE(pref, 47);
    older += m.age_band >= "40" && m.age_band <= "79" && m.age_band.size() == 5;
    male += m.sex == "male";
    female += m.sex == "female";
    home += m.prefecture == "03" || m.prefecture == "04";
  }
  EXPECT_GT(older, kSamples * 0.5);
  EXPECT_GT(male, kSamples * 0.3);
  EXPECT_GT(female, kSamples * 0.3);
  EXPECT_GT(home, kSamples * 0.8);  // TMM: Miyagi and Iwate
  // The file is what the cohort layer reads (as `renkei ingest` does), unchanged.
  Result<SampleTable> table = SampleTable::ReadTsv((*dir_ / "samples.tsv").string());
  ASSERT_TRUE(table.ok()) << table.status().ToString();
  ASSERT_EQ(table->size(), kSamples);
  EXPECT_EQ(table->ToTsv(), ReadFile(*dir_ / "samples.tsv"));
}

TEST(SimulateOptions, DeterministicBySeed) {
  fs::path a = TempDir("det_a"), b = TempDir("det_b"), c = TempDir("det_c");
  SimOptions o = SmallOptions(a);
  o.samples = 50;
  o.variants = 500;
  ASSERT_TRUE(Simulate(o).ok());
  o.out_dir = b.string();
  ASSERT_TRUE(Simulate(o).ok());
  o.out_dir = c.string();
  o.seed = 43;
  ASSERT_TRUE(Simulate(o).ok());
  EXPECT_EQ(ReadFile(a / "samples.tsv"), ReadFile(b / "samples.tsv"));
  EXPECT_EQ(ReadFile(a / "genotypes.bcf"), ReadFile(b / "genotypes.bcf"));
  EXPECT_NE(ReadFile(a / "samples.tsv"), ReadFile(c / "samples.tsv"));
  EXPECT_NE(Sh(std::string(kBcftools) + " view -H " + (a / "genotypes.bcf").string()),
            Sh(std::string(kBcftools) + " view -H " + (c / "genotypes.bcf").string()));
  for (const fs::path& p : {a, b, c}) fs::remove_all(p);
}

TEST(SimulateOptions, RefusesToOverwriteUnlessAsked) {
  fs::path dir = TempDir("overwrite");
  SimOptions o = SmallOptions(dir);
  o.samples = 10;
  o.variants = 100;
  ASSERT_TRUE(Simulate(o).ok());
  EXPECT_EQ(Simulate(o).code(), StatusCode::kAlreadyExists);
  o.overwrite = true;
  o.samples = 12;
  ASSERT_TRUE(Simulate(o).ok());
  EXPECT_EQ(
      Sh(std::string(kBcftools) + " query -l " + (dir / "genotypes.bcf").string() + " | wc -l"),
      "12\n");
  fs::remove_all(dir);
}

TEST(SimulateOptions, RejectsBadOptions) {
  SimOptions o = SmallOptions(TempDir("bad"));
  o.site = "tmm";
  EXPECT_EQ(Simulate(o).code(), StatusCode::kInvalidArgument);
  o = SmallOptions(TempDir("bad"));
  o.samples = 0;
  EXPECT_EQ(Simulate(o).code(), StatusCode::kInvalidArgument);
  o = SmallOptions(TempDir("bad"));
  o.variants = 0;
  EXPECT_EQ(Simulate(o).code(), StatusCode::kInvalidArgument);
  o = SmallOptions(TempDir("bad"));
  o.out_dir.clear();
  EXPECT_EQ(Simulate(o).code(), StatusCode::kInvalidArgument);
  o = SmallOptions(TempDir("bad"));
  o.founders = 1;
  EXPECT_EQ(Simulate(o).code(), StatusCode::kInvalidArgument);
  o = SmallOptions(TempDir("bad"));
  o.first_serial = 0;
  EXPECT_EQ(Simulate(o).code(), StatusCode::kInvalidArgument);
  o = SmallOptions(TempDir("bad"));
  o.first_serial = UINT32_MAX;  // no room for the samples' serials
  EXPECT_EQ(Simulate(o).code(), StatusCode::kInvalidArgument);
  fs::remove_all(TempDir("bad"));
}

TEST(GenotypeSimulator, BiobanksWithOneSeedShareSitesButNotPeople) {
  GenomeOptions genome;
  genome.seed = 7;
  genome.variants = 400;
  std::vector<Sex> a(40, Sex::kFemale), b(25, Sex::kMale);
  auto sim_a = GenotypeSimulator::Create(genome, 1, a);
  auto sim_b = GenotypeSimulator::Create(genome, 2, b);
  ASSERT_TRUE(sim_a.ok() && sim_b.ok());
  SimSite sa, sb;
  std::span<const int32_t> ga, gb;
  int differing_genotypes = 0;
  while (sim_a->Next(&sa, &ga)) {
    ASSERT_TRUE(sim_b->Next(&sb, &gb));
    EXPECT_EQ(sa.contig, sb.contig);
    EXPECT_EQ(sa.pos, sb.pos);
    EXPECT_EQ(sa.ref, sb.ref);
    EXPECT_EQ(sa.alts, sb.alts);
    EXPECT_EQ(ga.size(), 80u);
    EXPECT_EQ(gb.size(), 50u);
    differing_genotypes += !std::equal(ga.begin(), ga.begin() + 50, gb.begin());
  }
  EXPECT_FALSE(sim_b->Next(&sb, &gb));
  EXPECT_EQ(sim_a->counts().sites, 400u);
  EXPECT_GT(differing_genotypes, 10);
}

}  // namespace
}  // namespace renkei
