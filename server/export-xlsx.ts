/** The score sheet as an Excel workbook (exceljs): sheet 1 the wide form, sheet 2 one row per check. */
import ExcelJS from 'exceljs';
import type { CheckRow, ScoreSheet } from './export.js';
import { longTable, wideTable } from './export.js';

export async function scoreSheetXlsx(
  sheet: ScoreSheet,
  checks: readonly CheckRow[],
  lang: 'zh' | 'en',
): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.creator = 'iotlab';
  const wide = wb.addWorksheet(lang === 'zh' ? '成绩' : 'scores');
  const numeric = (x: string, i: number) =>
    i >= 3 && x !== '' && !Number.isNaN(Number(x)) ? Number(x) : x;
  wideTable(sheet, lang).forEach((row, r) =>
    wide.addRow(r === 0 ? row : row.map((x, i) => numeric(x, i))),
  );
  wide.getRow(1).font = { bold: true };
  const long = wb.addWorksheet(lang === 'zh' ? '评分明细' : 'checks');
  for (const row of longTable(checks, lang)) long.addRow(row);
  long.getRow(1).font = { bold: true };
  return Buffer.from(await wb.xlsx.writeBuffer());
}
