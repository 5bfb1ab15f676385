// Builders of audit records for the store and export tests, and a temp directory per test.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <string>

#include "audit/record.hpp"

namespace cds::audit::testing {

inline Millis At(int day, int hour = 12, int minute = 0) {
  using namespace std::chrono;
  return Millis{sys_days{year{2026} / November / 1} + days{day - 1} + hours{hour} +
                minutes{minute}};
}

/// A call with `cards` cards of `rule` (uuids "<hook_instance>-card-<i>").
inline CallRecord MakeCall(const std::string& hook_instance, Millis received,
                           const std::string& rule = "carb-vpa", int cards = 1,
                           const std::string& patient = "p1", const std::string& user = "u1") {
  CallRecord c;
  c.hook_instance = hook_instance;
  c.service = "antimicrobial-stewardship-order-select";
  c.hook = "order-select";
  c.received = received;
  c.user_id = "Practitioner/" + user;
  c.patient_id = patient;
  c.encounter_id = "e1";
  c.orders = {{"MedicationRequest", "mr-" + hook_instance, "meropenem 1 g IV q8h", true},
              {"MedicationRequest", "vpa", "valproate 500 mg", false}};
  c.latency_us = 1500;
  c.http_status = 200;
  c.request_id = "req-" + hook_instance;
  for (int i = 0; i < cards; ++i) {
    CardRecord k;
    k.uuid = hook_instance + "-card-" + std::to_string(i);
    k.rule_id = rule;
    k.rule_version = "1.0.0";
    k.rule_title = "Title of " + rule;
    k.catalogue_id = "R05";
    k.indicator = "critical";
    k.summary = "Meropenem: interacts with valproate";
    k.implicated = {"MedicationRequest/mr-" + hook_instance};
    k.evidence = {{"MedicationRequest/vpa", "MedicationRequest.medication", "valproate 500 mg"},
                  {"Observation/lvl", "Observation.valueQuantity", "VPA level 60 mg/L"}};
    k.suggestions = {{k.uuid + "-s1", "Switch to levetiracetam"},
                     {k.uuid + "-s2", "Cancel meropenem"}};
    c.cards.push_back(std::move(k));
  }
  return c;
}

inline FeedbackRecord Accepted(const std::string& card, Millis when) {
  FeedbackRecord f;
  f.card_uuid = card;
  f.outcome = "accepted";
  f.accepted_suggestions = {card + "-s1"};
  f.outcome_time = when;
  return f;
}

inline FeedbackRecord Overridden(const std::string& card, Millis when,
                                 const std::string& code = "id-approved") {
  FeedbackRecord f;
  f.card_uuid = card;
  f.outcome = "overridden";
  f.reason_system = "https://cds.example.org/stewardship-override-reasons";
  f.reason_code = code;
  f.reason_display = "Display of " + code;
  f.comment = "discussed with ID";
  f.outcome_time = when;
  return f;
}

/// A fresh directory under the test temp dir, removed at the end of the test.
class TempDir {
 public:
  TempDir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = std::filesystem::path(::testing::TempDir()) /
            ("cds-audit-" + std::string(info->test_suite_name()) + "-" + info->name() + "-" +
             std::to_string(::getpid()));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  [[nodiscard]] std::string File(const std::string& name) const { return (path_ / name).string(); }
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace cds::audit::testing
