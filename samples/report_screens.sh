#!/bin/sh
# samples/report_screens.sh — the screenshots of the report's pages in
# samples/ (report-index.png, report-groups.png, report-areas.png,
# report-trends.png, report-national.png, report-equality.png): a made-up
# survey shaped like the city's (four units, 57 % women, four age groups,
# time on assistance; answers drawn with a fixed seed, web returns through
# `omr frame web-returns`) and three years of municipality returns shaped
# like the national report, reported with `omr report` and photographed with
# the headless Chromium the browser tests use.
#
#   sh samples/report_screens.sh [OMR] [OUT]   (defaults: build/omr, samples)
set -eu
OMR=${1:-build/omr}
OUT=${2:-samples}
WORK=$(mktemp -d /tmp/omr-screens-XXXXXX)
trap 'rm -rf "$WORK"' EXIT

# the city's survey: 600 in the frame, 420 answer
"$OMR" frame codes 600 > "$WORK/codes.txt"
python3 - "$WORK" <<'PY'
import random, sys
w = sys.argv[1]
codes = open(w + "/codes.txt").read().split()
rnd = random.Random(2024)
units = ["Södermalm", "Farsta", "Järva", "Skärholmen"]
ages = ["18–30", "31–39", "40–59", "60+"]
times = ["Under 1 år", "1–2 år", "Över 2 år"]
with open(w + "/frame.csv", "w") as f:
    f.write("code,unit,gender,age_group,assistance_time\n")
    people = []
    for i, c in enumerate(codes):
        p = (c, units[i % 4], "Kvinna" if rnd.random() < 0.57 else "Man",
             rnd.choices(ages, [22, 25, 38, 15])[0], rnd.choice(times))
        people.append(p)
        f.write(",".join(p) + "\n")
qs = ["q1a", "q1b", "q2a", "q2b", "q2c", "q2d", "q2e", "q3a", "q3b"]
base = {"q1a": .80, "q1b": .62, "q2a": .80, "q2b": .78, "q2c": .66, "q2d": .79, "q2e": .70,
        "q3a": .62, "q3b": .60}
with open(w + "/web.csv", "w") as f:
    f.write("code," + ",".join(qs) + ",q4a,q4a1,q4b,q4c,q5,q5r.1,q5r.2,q5r.3,q5r.4,q5r.5,q5r.6,"
            "q5r.7,q5r.8,q6,comment,submitted_at\n")
    for c, unit, gender, age, time in people[:420]:
        lift = 0.06 * ages.index(age) + 0.04 * times.index(time) - 0.09 + (0.01 if gender == "Kvinna" else 0)
        row = [c]
        for q in qs:
            agree = rnd.random() < base[q] + lift
            row.append(str(rnd.choice([5, 4]) if agree else rnd.choice([3, 2, 1])))
        yes = lambda p: "1" if rnd.random() < p else "2"
        q5 = yes(0.09)
        row += [yes(.85), yes(.8), yes(.86), yes(.72), q5]
        row += [("1" if q5 == "1" and rnd.random() < .3 else "0") for _ in range(8)]
        row += [str(min(10, max(1, round(rnd.gauss(7.5 + 2 * lift, 2))))), "", "2024-05-%02d" % rnd.randint(2, 28)]
        f.write(",".join(row) + "\n")
with open(w + "/trends.csv", "w") as f:
    f.write("unit,item,year,value\n")
    for item, v in [("q1a", (78, 80)), ("q1b", (55, 58)), ("q2a", (76, 80)), ("q2d", (75, 77)),
                    ("q3a", (60, 59)), ("q5=1", (22, 13)), ("q6", ("6,8", "7,1"))]:
        for year, x in zip((2020, 2022), v):
            f.write('Stockholms stad,%s,%d,"%s"\n' % (item, year, x))
    for item, v in [("tydlighet", (74, 79)), ("kompetens", (80, 82))]:
        for year, x in zip((2020, 2022), v):
            f.write("Södermalm,%s,%d,%d\n" % (item, year, x))
PY
"$OMR" frame import --db "$WORK/city.db" --template ekb-2024 "$WORK/frame.csv" 2> /dev/null
"$OMR" frame web-returns --db "$WORK/city.db" "$WORK/web.csv" 2> /dev/null
"$OMR" report --db "$WORK/city.db" --total-label "Stockholms stad" \
    --title "Brukarundersökning ekonomiskt bistånd 2024" --by gender,age_group,assistance_time \
    --trends "$WORK/trends.csv" --year 2024 --out "$WORK/city" 2> /dev/null

# the national survey: 290 municipalities a year, 2019-2021
for year in 2019 2020 2021; do
    "$OMR" frame codes 290 > "$WORK/oj-codes-$year.txt"
    python3 - "$WORK" "$year" <<'PY'
import random, sys
w, year = sys.argv[1], int(sys.argv[2])
codes = open("%s/oj-codes-%d.txt" % (w, year)).read().split()
rnd = random.Random(year)
sizes = ["0 – 14 999", "15 000 – 29 999", "30 000 – 69 999", "70 000 – 199 999", "200 000 eller fler"]
share = {"socialjour": (87, 89, 93), "vantetid_nybesok": (87, 86, 95), "arbetsmarknad_18_24": (35, 32, 33),
         "arbetsmarknad_25": (30, 30, 28), "hushallsekonomi": (74, 74, 74), "utredningsmall_barn": (61, 64, 67),
         "avhysning_uppsok": (45, 42, 40), "avhysning_uppfoljning": (40, 38, 37),
         "samordning_barn_unga": (61, 61, 60), "uppfoljning_utveckling": (15, 19, 26),
         "uppfoljning_kon": (17, 16, 19), "uppfoljning_kon_utveckling": (9, 13, 17),
         "brukarundersokning": (30, 34, 27)}
k = year - 2019
with open("%s/oj-frame-%d.csv" % (w, year), "w") as f, open("%s/oj-web-%d.csv" % (w, year), "w") as r:
    f.write("code,unit,size_group\n")
    r.write("code," + ",".join(share) + ",comment,submitted_at\n")
    groups = sorted(rnd.choices(range(5), [113, 72, 59, 28, 18], k=len(codes)))
    for i, c in enumerate(codes):
        g = groups[i]
        f.write("%s,Kommun %03d,%s\n" % (c, i + 1, sizes[g]))
        ans = {q: rnd.random() * 100 < p[k] + 3 * (g - 2) for q, p in share.items()}
        ans["avhysning_uppfoljning"] = ans["avhysning_uppfoljning"] and (ans["avhysning_uppsok"] or rnd.random() < .3)
        r.write(c + "," + ",".join("1" if ans[q] else "2" for q in share) + ",,%d-03-01\n" % year)
PY
    "$OMR" frame import --db "$WORK/oj$year.db" --template oj-2021-ekb "$WORK/oj-frame-$year.csv" 2> /dev/null
    "$OMR" frame web-returns --db "$WORK/oj$year.db" "$WORK/oj-web-$year.csv" 2> /dev/null
done
"$OMR" report --db "$WORK/oj2021.db" --national --earlier 2019="$WORK/oj2019.db" \
    --earlier 2020="$WORK/oj2020.db" --year 2021 --by size_group --total-label Riket \
    --title "Öppna jämförelser 2021 – Ekonomiskt bistånd" --out "$WORK/oj" 2> /dev/null

shot() { # page, file, height
    chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1200,"$3" \
        --screenshot="$OUT/$2" "file://$1" > /dev/null 2>&1
}
shot "$WORK/city/index.html" report-index.png 2400
shot "$WORK/city/grupper.html" report-groups.png 2600
# the gender-equality section alone: the page's head, navigation and heading, then the section
python3 - "$WORK/city" <<'PY'
import sys
d = sys.argv[1]
page = open(d + "/grupper.html", encoding="utf-8").read()
head = page[:page.index("</h1>") + 5]
sec = page[page.index('<h2 id="jamstalldhet">'):]
sec = sec[:sec.index("<h2>", 10)] if "<h2>" in sec[10:] else sec
open(d + "/jamstalldhet.html", "w", encoding="utf-8").write(head + "\n" + sec + "\n</body></html>\n")
PY
shot "$WORK/city/jamstalldhet.html" report-equality.png 1300
shot "$WORK/city/omraden.html" report-areas.png 2400
shot "$WORK/city/trender.html" report-trends.png 1800
shot "$WORK/oj/riket.html" report-national.png 2400
echo "report_screens: $OUT/report-{index,groups,equality,areas,trends,national}.png"
