// A minimal compact-JSON writer appending to a std::string, for the response and the proposed
// resources (cards/ internal). Its output is byte-identical to rapidjson::Writer<StringBuffer>
// with default flags for the same calls (UTF-8 in and out, no validation), which the response
// used before; it exists because RapidJSON's writer costs about 10 instructions per byte of
// Markdown detail (a character at a time) and a growing heap buffer per card, where this one
// copies unescaped runs whole into a string reserved once.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace cds::cards {

/// Appends `text` as a JSON string literal (quotes included), escaped as rapidjson::Writer does:
/// `"` and `\` backslash-escaped, \b \f \n \r \t, other bytes below 0x20 as \u00XX (upper-case
/// hex); every other byte, UTF-8 sequences included, copied unchanged.
void AppendJsonString(std::string& out, std::string_view text);

/// Compact JSON with commas and colons placed as rapidjson::Writer places them. The caller keeps
/// the structure balanced (no checks: every use is a fixed shape in this module).
class JsonWriter {
 public:
  explicit JsonWriter(std::string& out) : out_(out) {}

  void StartObject() { Open('{'); }
  void EndObject() { Close('}'); }
  void StartArray() { Open('['); }
  void EndArray() { Close(']'); }
  /// `key` is written verbatim: every key is a member name spelled in this module's code
  /// (ASCII letters), which rapidjson::Writer would not have escaped either.
  void Key(std::string_view key) {
    Prefix();
    out_ += '"';
    out_ += key;
    out_ += "\":";
    after_key_ = true;
  }
  void String(std::string_view value) {
    Prefix();
    AppendJsonString(out_, value);
    need_comma_ = true;
  }
  void Bool(bool value) {
    Prefix();
    out_ += value ? std::string_view("true") : std::string_view("false");
    need_comma_ = true;
  }
  void Int64(std::int64_t value);
  /// Shortest round-trip form (RapidJSON's Grisu2 dtoa). Like rapidjson::Writer, writes nothing
  /// for NaN or infinity.
  void Double(double value);
  /// A complete JSON value, copied unchanged.
  void RawValue(std::string_view json) {
    Prefix();
    out_ += json;
    need_comma_ = true;
  }

 private:
  void Prefix() {
    if (after_key_) {
      after_key_ = false;
    } else if (need_comma_) {
      out_ += ',';
    }
  }
  void Open(char bracket) {
    Prefix();
    out_ += bracket;
    need_comma_ = false;
  }
  void Close(char bracket) {
    out_ += bracket;
    need_comma_ = true;
  }

  std::string& out_;
  bool need_comma_ = false;  ///< A value was written at this level: the next one needs a comma.
  bool after_key_ = false;   ///< A key was just written: its value follows the colon.
};

}  // namespace cds::cards
