#include "engine/rules/citations.hpp"

#include <array>
#include <string>

namespace cds::engine::rules {
namespace {

const std::array<Citation, 11>& Table() {
  static const std::array<Citation, 11> kTable = {{
      {"IDSA24",
       "IDSA 2024 Guidance on the Treatment of Antimicrobial-Resistant Gram-Negative "
       "Infections",
       "https://www.idsociety.org/practice-guideline/amr-guidance/"},
      {"ESCMID22", "ESCMID 2022 guidelines for multidrug-resistant Gram-negative bacilli",
       "https://doi.org/10.1016/j.cmi.2021.11.025"},
      {"MERREM", "Meropenem (Merrem) US prescribing information",
       "https://dailymed.nlm.nih.gov/dailymed/search.cfm?labeltype=all&query=meropenem"},
      {"PRIMAXIN", "Imipenem-cilastatin (Primaxin) US prescribing information",
       "https://dailymed.nlm.nih.gov/dailymed/search.cfm?labeltype=all&query=primaxin"},
      {"TYGACIL", "Tigecycline (Tygacil) US prescribing information",
       "https://dailymed.nlm.nih.gov/dailymed/search.cfm?labeltype=all&query=tygacil"},
      {"VPA", "Valproate / divalproex US prescribing information",
       "https://dailymed.nlm.nih.gov/dailymed/search.cfm?labeltype=all&query=divalproex"},
      {"MHRA10", "MHRA Drug Safety Update (May 2010): carbapenems with valproic acid",
       "https://www.gov.uk/drug-safety-update/"
       "carbapenems-concomitant-use-with-valproic-acid-not-recommended"},
      {"TSUJI19", "International consensus guidelines for the optimal use of the polymyxins (2019)",
       "https://doi.org/10.1002/phar.2209"},
      {"ATS16", "IDSA/ATS 2016 guideline: hospital-acquired and ventilator-associated pneumonia",
       "https://doi.org/10.1093/cid/ciw353"},
      {"Yahav19", "Yahav et al. 2019: 7 vs 14 days for Gram-negative bacteremia (RCT)",
       "https://doi.org/10.1093/cid/ciy1054"},
      {"CLSI", "CLSI M100 Performance Standards for Antimicrobial Susceptibility Testing",
       "https://clsi.org/standards/products/microbiology/documents/m100/"},
  }};
  return kTable;
}

}  // namespace

std::span<const Citation> AllCitations() { return Table(); }

Citation Cite(std::string_view key) {
  for (const Citation& c : Table()) {
    if (c.key == key) return c;
  }
  return Citation{std::string(key), std::string(key), ""};
}

}  // namespace cds::engine::rules
