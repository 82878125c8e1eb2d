/**
 * A small RFC 4180 CSV parser: quoted fields may hold commas, doubled quotes and newlines (the
 * prompts of the routing data sets do). Returns one array of cells per record.
 */
export function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let inQuotes = false;
  let position = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const endRecord = () => {
    record.push(field);
    field = '';
    if (record.length > 1 || record[0] !== '') records.push(record);
    record = [];
  };
  while (position < text.length) {
    const char = text[position];
    if (inQuotes) {
      if (char === '"') {
        if (text[position + 1] === '"') {
          field += '"';
          position += 2;
          continue;
        }
        inQuotes = false;
        position++;
        continue;
      }
      // Copy the run up to the next quote at once: prompts are long.
      const nextQuote = text.indexOf('"', position);
      const end = nextQuote < 0 ? text.length : nextQuote;
      field += text.slice(position, end);
      position = end;
      continue;
    }
    if (char === '"') inQuotes = true;
    else if (char === ',') {
      record.push(field);
      field = '';
    } else if (char === '\n') endRecord();
    else if (char !== '\r') field += char;
    position++;
  }
  if (field !== '' || record.length > 0) endRecord();
  return records;
}
