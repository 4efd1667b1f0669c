;; Source: Rosetta Code, task "100 doors" (https://rosettacode.org/wiki/100_doors), a Clojure
;;   solution as mirrored in https://github.com/acmeism/RosettaCodeData, Task/100-doors/Clojure/100-doors-1.clj
;;   (commit cb5bb5e2222aa0c99dd42cf74afb8959fa0a64a8).
;; Licence: GNU Free Documentation License 1.2 (Rosetta Code's content licence).
;; Adapted: namespace corpus.rc-100-doors; -main calls print-open-doors.
(ns corpus.rc-100-doors)

(defn doors []
  (let [doors (into-array (repeat 100 false))]
    (doseq [pass   (range 1 101)
            i      (range (dec pass) 100 pass) ]
      (aset doors i (not (aget doors i))))
    doors))

(defn open-doors [] (for [[d n] (map vector (doors) (iterate inc 1)) :when d] n))

(defn print-open-doors []
  (println
    "Open doors after 100 passes:"
    (apply str (interpose ", " (open-doors)))))

(defn -main []
  (print-open-doors))
